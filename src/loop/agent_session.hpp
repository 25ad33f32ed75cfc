// One run of the agent process: start it, copy its output to the stream file, meter every
// line live, and stop its whole process group when a limit is hit.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent.hpp"
#include "agent/process_tree.hpp"
#include "budget/budgets.hpp"
#include "meter/stream_meter.hpp"
#include "util/clock.hpp"

namespace ralph::loop {

enum class StopCause {
  kNone,         // the agent ended by itself
  kBudget,       // the live meter passed a cap (SessionOutcome::budget says which)
  kTimeout,      // --iteration-timeout
  kIdle,         // --idle-timeout: nothing on stdout or stderr for that long
  kLingered,     // the agent printed its result, then did not exit within result_grace
  kInterrupted,  // SIGINT / SIGTERM
  kFatal,        // the agent cannot work (e.g. authentication failed): no point waiting
  kUsageLimit,   // the agent hit a usage limit: the loop waits for its reset
  kAnomaly,      // the iteration was flagged as an anomaly under halt_on_anomaly
};

struct SessionLimits {
  std::chrono::milliseconds timeout{3'600'000};
  std::chrono::milliseconds idle_timeout{1'800'000};  // 0: none
  std::chrono::milliseconds result_grace{30'000};
  const budget::Budgets* budgets = nullptr;  // must the agent stop at its live cost?
  // Why the run halts now, stopping the agent (an anomaly under halt_on_anomaly); none: it
  // does not. Asked at every check.
  std::function<std::optional<std::string>()> halt_now;
  std::chrono::milliseconds stop_grace{5000};
};

struct SessionOutcome {
  StopCause stopped = StopCause::kNone;
  std::optional<budget::Scope> budget;  // kBudget: the cap that stopped it
  int exit_code = 0;
  std::optional<std::string> launch_error;  // the agent could not be started
  std::string detail;                       // why it was stopped, for people
  int oversized_lines = 0;
  bool lingered = false;  // stopped after its result: the outcome follows the result
  // What the agent left running when it ended, which was stopped then.
  std::vector<agent::StrayProcess> strays;
};

struct SessionHooks {
  std::function<int()> interrupts;  // SIGINT/SIGTERM seen so far
  std::function<void()> progress;   // after output was metered, at most every `progress_every`
  // Before every check of the limits, with the live cost: where the cost is shared with other
  // loops, and theirs read (the budget room then decides with it).
  std::function<void(double live_cost)> before_check;
  std::function<void(int pid)> started;  // the agent process started
  // Once the agent has ended (any way), before it is reaped: stops what it left running, with
  // this grace period.
  std::function<std::vector<agent::StrayProcess>(std::chrono::milliseconds grace)> sweep;
  std::chrono::milliseconds progress_every{250};
};

// Where the session writes the agent's output, and how secrets are kept out of it.
struct SessionFiles {
  std::filesystem::path stream;                         // stdout, one line per line
  std::filesystem::path stderr_log;                     // stderr
  std::function<std::string(std::string_view)> redact;  // none: written as they are
};

// Lines longer than this are written to the stream file up to it, and not parsed.
inline constexpr size_t kMaxLineBytes = 16 * 1024 * 1024;

SessionOutcome run_agent_session(agent::AgentLauncher& launcher, const agent::LaunchSpec& spec,
                                 const SessionFiles& files, meter::StreamMeter& meter,
                                 const SessionLimits& limits, const Clock& clock,
                                 const SessionHooks& hooks);

// The record's outcome (README "Files ralph writes") of a session that ended: success,
// agent_error, timeout, budget or interrupted; a lingering agent's follows its result.
std::string record_outcome(const SessionOutcome& session, const meter::StreamMeter& meter);

}  // namespace ralph::loop
