#include "util/file_lines.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "util/fd.hpp"
#include "util/fs.hpp"

namespace ralph {

namespace {

constexpr size_t kBlock = 1 << 20;

}  // namespace

Result<LinesRead> read_lines_from(const std::filesystem::path& path, uint64_t offset,
                                  size_t padding,
                                  const std::function<void(std::string_view line)>& visit) {
  LinesRead read;
  read.end_offset = offset;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return read;
    return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(errno)));
  }
  // A block of lines, then `padding` readable bytes; a line cut by the block's end moves to
  // the front for the next read.
  std::string buffer(kBlock + padding, ' ');
  size_t filled = 0;
  uint64_t position = offset;
  for (;;) {
    if (filled == buffer.size() - padding) buffer.resize(buffer.size() * 2, ' ');  // long line
    ssize_t n = ::pread(fd.get(), buffer.data() + filled, buffer.size() - padding - filled,
                        static_cast<off_t>(position));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(errno)));
    }
    if (n == 0) break;
    position += static_cast<uint64_t>(n);
    filled += static_cast<size_t>(n);
    size_t start = 0;
    for (size_t end; (end = buffer.find('\n', start)) < filled; start = end + 1) {
      visit(std::string_view(buffer.data() + start, end - start));
    }
    read.end_offset += start;
    buffer.erase(0, start);
    buffer.resize(std::max(buffer.size() + start, kBlock + padding), ' ');
    filled -= start;
  }
  read.partial_tail =
      std::string_view(buffer.data(), filled).find_first_not_of(" \t\r") != std::string::npos;
  return read;
}

}  // namespace ralph
