#include "util/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstring>

#include "util/fd.hpp"

namespace ralph {

std::string errno_text(int err) {
  return std::strerror(err);
}

namespace {

Status write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(fmt::format("cannot write {}: {}", path.string(), errno_text(errno)));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

Status sync_folder(const std::filesystem::path& folder) {
  UniqueFd dir(::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid() || ::fsync(dir.get()) != 0) {
    return make_error(fmt::format("cannot sync folder {}: {}", folder.string(), errno_text(errno)));
  }
  return ok_status();
}

}  // namespace

Result<std::string> read_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(errno)));
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(errno)));
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  return content;
}

bool replace_file(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return false;
  bool written =
      ::write(fd.get(), content.data(), content.size()) == static_cast<ssize_t>(content.size());
  fd.reset();
  std::error_code ec;
  if (written) std::filesystem::rename(temporary, path, ec);
  if (!written || ec) std::filesystem::remove(temporary, ec);
  return written && !ec;
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::path temp = path;
  temp += fmt::format(".tmp.{}", ::getpid());
  {
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) {
      return make_error(fmt::format("cannot create {}: {}", temp.string(), errno_text(errno)));
    }
    if (Status s = write_all(fd.get(), content, temp); !s) {
      ::unlink(temp.c_str());
      return s;
    }
    if (::fsync(fd.get()) != 0) {
      int err = errno;
      ::unlink(temp.c_str());
      return make_error(fmt::format("cannot sync {}: {}", temp.string(), errno_text(err)));
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return make_error(fmt::format("cannot replace {}: {}", path.string(), errno_text(err)));
  }
  return sync_folder(path.parent_path());
}

Status append_line_synced(const std::filesystem::path& path, std::string_view line) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return make_error(fmt::format("cannot open {}: {}", path.string(), errno_text(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return make_error(fmt::format("cannot stat {}: {}", path.string(), errno_text(errno)));
  }
  std::string data;
  if (st.st_size > 0) {
    char last = '\n';
    if (::pread(fd.get(), &last, 1, st.st_size - 1) != 1) {
      return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(errno)));
    }
    if (last != '\n') data.push_back('\n');
  }
  data.append(line);
  data.push_back('\n');
  if (Status s = write_all(fd.get(), data, path); !s) return s;
  if (::fsync(fd.get()) != 0) {
    return make_error(fmt::format("cannot sync {}: {}", path.string(), errno_text(errno)));
  }
  return ok_status();
}

}  // namespace ralph
