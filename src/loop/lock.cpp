#include "loop/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/fs.hpp"

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
    auto holder = nlohmann::json::parse(read_file(path).ok() ? *read_file(path) : std::string(),
                                        nullptr, false);
    int pid = holder.is_object() ? holder.value("pid", 0) : 0;
    std::string other = holder.is_object() ? holder.value("run_id", std::string()) : "";
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

}  // namespace ralph::loop
