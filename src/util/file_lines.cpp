#include "util/file_lines.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "util/fd.hpp"
#include "util/fs.hpp"

namespace ralph {

namespace {

// Blocks well inside the CPU's cache: the lines are still in it when they are visited.
constexpr size_t kBlock = 1 << 19;
// Files with more than this many blocks left are read ahead on a second thread.
constexpr uint64_t kReadAheadBlocks = 8;

// One pread at a time, run by a thread of its own while the caller visits the block before.
class ReadAhead {
 public:
  ReadAhead() : worker_([this] { run(); }) {}
  ~ReadAhead() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  void start(int fd, char* into, size_t size, uint64_t at) {
    {
      std::lock_guard lock(mutex_);
      request_ = Request{fd, into, size, at};
      pending_ = true;
    }
    changed_.notify_all();
  }
  // The bytes read, or -1 with `error` set.
  ssize_t wait(int& error) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !pending_; });
    error = error_;
    return result_;
  }

 private:
  struct Request {
    int fd = -1;
    char* into = nullptr;
    size_t size = 0;
    uint64_t at = 0;
  };

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return stop_ || (pending_ && !busy_); });
      if (stop_) return;
      busy_ = true;
      Request r = request_;
      lock.unlock();
      ssize_t n;
      do {
        n = ::pread(r.fd, r.into, r.size, static_cast<off_t>(r.at));
      } while (n < 0 && errno == EINTR);
      int error = n < 0 ? errno : 0;
      lock.lock();
      result_ = n;
      error_ = error;
      busy_ = false;
      pending_ = false;
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  Request request_;
  bool pending_ = false;
  bool busy_ = false;
  bool stop_ = false;
  ssize_t result_ = 0;
  int error_ = 0;
  std::thread worker_;  // last: starts once the rest is set up
};

struct Buffer {
  std::unique_ptr<char[]> bytes;
  size_t capacity = 0;  // without the padding
  size_t filled = 0;

  void reserve(size_t size, size_t padding) {
    if (size <= capacity) return;
    auto larger = std::make_unique_for_overwrite<char[]>(size + padding);
    if (filled > 0) std::memcpy(larger.get(), bytes.get(), filled);
    bytes = std::move(larger);
    capacity = size;
  }
};

ssize_t read_at(int fd, char* into, size_t size, uint64_t at, int& error) {
  ssize_t n;
  do {
    n = ::pread(fd, into, size, static_cast<off_t>(at));
  } while (n < 0 && errno == EINTR);
  error = n < 0 ? errno : 0;
  return n;
}

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
  auto failed = [&path](int error) {
    return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(error)));
  };
  struct stat st {};
  const bool large = ::fstat(fd.get(), &st) == 0 && static_cast<uint64_t>(st.st_size) > offset &&
                     static_cast<uint64_t>(st.st_size) - offset > kReadAheadBlocks * kBlock;
  // Two buffers of lines, each then `padding` readable bytes: the lines of one are visited
  // while the next block is read into the other (on the second thread for a large file),
  // behind the line the first one's end cut, moved to its front.
  Buffer buffers[2];
  buffers[0].reserve(kBlock, padding);
  buffers[1].reserve(kBlock, padding);
  std::optional<ReadAhead> ahead;  // after the buffers: it stops before they are freed
  if (large) ahead.emplace();
  uint64_t position = offset;
  int error = 0;
  ssize_t n = read_at(fd.get(), buffers[0].bytes.get(), kBlock, position, error);
  for (int current = 0;; current = 1 - current) {
    if (n < 0) return failed(error);
    Buffer& block = buffers[current];
    Buffer& next = buffers[1 - current];
    position += static_cast<uint64_t>(n);
    block.filled += static_cast<size_t>(n);
    if (n == 0) {  // the end: what is left is an unfinished line
      read.partial_tail =
          std::string_view(block.bytes.get(), block.filled).find_first_not_of(" \t\r") !=
          std::string::npos;
      return read;
    }
    std::string_view data(block.bytes.get(), block.filled);
    size_t lines_end = data.rfind('\n');
    lines_end = lines_end == std::string_view::npos ? 0 : lines_end + 1;
    if (lines_end == 0 && block.filled == block.capacity) {  // a line longer than the block
      block.reserve(2 * block.capacity, padding);
    }
    if (lines_end == 0) {  // read on into the same block
      n = read_at(fd.get(), block.bytes.get() + block.filled, block.capacity - block.filled,
                  position, error);
      current = 1 - current;  // stay on this block
      continue;
    }
    // The next block starts with the cut line; it is read while this one's lines are visited.
    const size_t carry = block.filled - lines_end;
    next.filled = 0;
    next.reserve(std::max(kBlock, 2 * carry), padding);
    std::memcpy(next.bytes.get(), block.bytes.get() + lines_end, carry);
    next.filled = carry;
    char* into = next.bytes.get() + carry;
    const size_t room = next.capacity - carry;
    if (ahead) ahead->start(fd.get(), into, room, position);
    std::memset(block.bytes.get() + block.filled, ' ', padding);
    for (size_t start = 0, end; start < lines_end; start = end + 1) {
      end = data.find('\n', start);
      visit(data.substr(start, end - start));
    }
    read.end_offset += lines_end;
    block.filled = 0;
    n = ahead ? ahead->wait(error) : read_at(fd.get(), into, room, position, error);
  }
}

}  // namespace ralph
