// Running one hook (README "Hooks"): an executable the user named in plans/ralph.json, given an
// event as one JSON object on stdin. The loop sees the HookRunner interface; the real one
// starts a process, tests use a fake.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/process_tree.hpp"

namespace ralph::loop {

struct HookResult {
  enum class Status { kOk, kFailed, kTimedOut, kInterrupted, kNotStarted };
  Status status = Status::kOk;
  int exit_code = 0;
  std::string output;  // the last lines it printed (stdout and stderr), secrets redacted
  std::string error;   // kNotStarted: why
  std::chrono::milliseconds elapsed{0};
  // What it left running when it ended, which was stopped then.
  std::vector<agent::StrayProcess> strays;

  bool ok() const { return status == Status::kOk; }
  // "exited with 1", "timed out after 5m00s", "could not start: ...".
  std::string describe() const;
  // The last line it printed, or "".
  std::string last_line() const;
};

class HookRunner {
 public:
  virtual ~HookRunner() = default;
  // Runs `hook` (as configured: relative to the repository root, or absolute) with `payload`,
  // an event object holding at least `event`, `run_id` and `iteration`, on its stdin.
  virtual HookResult run(const std::string& hook, const nlohmann::json& payload) = 0;
};

struct HookSettings {
  std::filesystem::path repo_root;
  std::chrono::milliseconds timeout{300'000};
  std::chrono::milliseconds stop_grace{5000};
  std::function<int()> interrupts;                      // a new one stops the hook
  std::function<std::string(std::string_view)> redact;  // none: written as they are
  agent::ProcessSweeper* sweeper = nullptr;             // none: what a hook leaves runs on
};

// Starts the hook with posix_spawn (no shell) in the repository root, in its own process
// group, with ralph's environment plus RALPH_EVENT, RALPH_RUN_ID, RALPH_ITERATION and a
// RALPH_PROCESS_TAG of its own. The payload is written to .ralph/runs/<run-id>/hook-<event>.json
// and given as stdin; stdout and stderr are appended to .ralph/runs/<run-id>/hooks.log after a
// header line. Past the timeout (or on a new SIGINT/SIGTERM) its group gets SIGTERM, a grace
// period, then SIGKILL; whatever it leaves running when it ends (in its group, or carrying its
// tag anywhere) is stopped the same way.
class ProcessHookRunner final : public HookRunner {
 public:
  explicit ProcessHookRunner(HookSettings settings) : settings_(std::move(settings)) {}
  HookResult run(const std::string& hook, const nlohmann::json& payload) override;

 private:
  HookSettings settings_;
};

}  // namespace ralph::loop
