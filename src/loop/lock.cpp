#include "loop/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>

#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>

#include "util/fs.hpp"
#include "util/json_safe.hpp"

namespace ralph::loop {

namespace {

Status write_holder(int fd, const std::string& run_id) {
  std::string content =
      nlohmann::json{{"pid", static_cast<int>(::getpid())}, {"run_id", run_id}}.dump() + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, content.data(), content.size(), 0) != static_cast<ssize_t>(content.size())) {
    return make_error(fmt::format("cannot write the lock file: {}", errno_text(errno)));
  }
  return ok_status();
}

}  // namespace

Result<RunLock> RunLock::acquire(const std::filesystem::path& path, const std::string& run_id) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return make_error(fmt::format("cannot open {}: {}", path.string(), errno_text(errno)));
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    auto content = read_file(path);
    auto holder = nlohmann::json::parse(content ? *content : std::string(), nullptr, false);
    auto pid = json_int(json_member(holder, "pid"), 0, INT32_MAX, 0);
    const auto& run = json_member(holder, "run_id");
    std::string other = run.is_string() ? run.get<std::string>() : "";
    return make_error(fmt::format(
        "another ralph run is active in this repository (pid {}, run {}): wait for it to "
        "finish or stop it with `kill {}`",
        pid, other.empty() ? "unknown" : other, pid));
  }
  if (Status s = write_holder(fd.get(), run_id); !s) return s.error();
  return RunLock(std::move(fd));
}

Status RunLock::set_run_id(const std::string& run_id) {
  return write_holder(fd_.get(), run_id);
}

bool lock_is_held(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;  // no lock file: never locked
  // "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF": the file is major:minor:inode.
  const std::string file =
      fmt::format(" {:02x}:{:02x}:{} ", major(info.st_dev), minor(info.st_dev), info.st_ino);
  std::ifstream locks("/proc/locks");
  for (std::string line; std::getline(locks, line);) {
    if (line.find("FLOCK") != std::string::npos && line.find(file) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace ralph::loop
