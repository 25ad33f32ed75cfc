// A child process started with posix_spawnp (no shell) in its own process group, its stdout
// and stderr read non-blocking through pipes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace ralph::agent {

struct SpawnSpec {
  SpawnSpec() = default;
  SpawnSpec(std::vector<std::string> argv_, std::filesystem::path cwd_)
      : argv(std::move(argv_)), cwd(std::move(cwd_)) {}

  std::vector<std::string> argv;     // argv[0] is looked up on PATH
  std::filesystem::path cwd;         // empty: ralph's own
  std::filesystem::path stdin_file;  // empty: /dev/null
  // Set: stdout and stderr are appended to this file instead of being read through pipes
  // (read() then has nothing to give).
  std::filesystem::path output_file;
  // Variables set in the child on top of ralph's own environment ("NAME", "value").
  std::vector<std::pair<std::string, std::string>> env;
};

class Process {
 public:
  static Result<std::unique_ptr<Process>> spawn(const SpawnSpec& spec);
  ~Process();  // stops the group if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits up to `timeout` for output and appends what is there to `out` (stdout) and `err`
  // (stderr). Returns false once stdout is closed. EINTR counts as a timeout, so a caller
  // can look at its signal flags.
  Result<bool> read(std::chrono::milliseconds timeout, std::string& out, std::string& err);

  // Stops the whole process group: SIGTERM, up to `grace` for the leader to exit (cut short
  // when `hurry` turns true), then SIGKILL. Commands the child started in the group are
  // stopped too, but not those that left it (agent/process_tree.hpp finds those). The leader
  // is left a zombie, so its group id cannot be reused before wait() reaps it.
  void stop(std::chrono::milliseconds grace, const std::function<bool()>& hurry = {});

  // Whether the leader exits within `timeout` (it is not reaped; wait() gives its exit code).
  // A signal may cut the wait short.
  bool wait_for(std::chrono::milliseconds timeout);

  // Whether the leader has exited (not reaped; wait() gives its exit code).
  bool exited();

  // Until the leader has exited; not reaped.
  void await_exit();

  // Waits for the leader to exit, reaps it and returns its exit code (128 + signal when
  // killed). What it left running, in its group or elsewhere, is the caller's to stop before
  // (agent/process_tree.hpp).
  int wait();

  pid_t pid() const { return pid_; }

 private:
  Process(pid_t pid, UniqueFd stdout_fd, UniqueFd stderr_fd)
      : pid_(pid), stdout_(std::move(stdout_fd)), stderr_(std::move(stderr_fd)) {}
  // Whether the leader has exited, waiting up to `timeout` (forever when none); not reaped.
  bool leader_exited(std::optional<std::chrono::milliseconds> timeout);
  // Reaps the leader.
  void reap();

  pid_t pid_;
  UniqueFd stdout_;
  UniqueFd stderr_;
  bool reaped_ = false;
  int exit_code_ = 0;
};

// Where `name` resolves on PATH (or itself when it holds a '/'), if it is an executable file.
std::optional<std::filesystem::path> find_executable(const std::string& name);

}  // namespace ralph::agent
