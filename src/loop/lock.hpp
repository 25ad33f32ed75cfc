// .ralph/lock: one run per repository. Held with flock for the life of the run, so a crashed
// ralph never leaves a lock that blocks the next one.
#pragma once

#include <filesystem>
#include <string>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace ralph::loop {

class RunLock {
 public:
  // Takes the lock, or fails with a message naming the pid and run id that hold it.
  static Result<RunLock> acquire(const std::filesystem::path& path, const std::string& run_id);
  // Records the run id once it is known.
  Status set_run_id(const std::string& run_id);

 private:
  explicit RunLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// Whether some process holds the lock at `path`, asked without taking it (taking it, even
// briefly, could make a `ralph run` starting at that moment fail): /proc/locks lists it.
bool lock_is_held(const std::filesystem::path& path);

}  // namespace ralph::loop
