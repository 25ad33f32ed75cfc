// Why a run stops, the exit code that says it (README "Exit codes"), and the rules that decide
// it: before an iteration, after it, on repeated failures, and on a stall. Money's part of the
// decisions is the budget room's (budget/budgets.hpp); these rules act on what it says.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "plan/prd.hpp"

namespace ralph::loop {

enum class HaltReason {
  kComplete,
  kError,
  kBadInput,
  kBudget,
  kMaxIterations,
  kStalled,
  kAgentFatal,
  kBlocked,
  kAnomaly,
  kInterrupted,
};

int exit_code(HaltReason reason);
std::string halt_name(HaltReason reason);  // complete, error, bad_input, ...
std::optional<HaltReason> halt_from_name(const std::string& name);

struct Halt {
  HaltReason reason;
  std::string detail;  // one line for people: what happened and what to do
};

struct HaltLimits {
  int max_iterations = 50;
  int stall_after = 3;
  int max_agent_failures = 3;
  std::chrono::seconds max_wait{21600};
  // Waits between failed iterations: base * 2^(failures - 1), at most the cap.
  std::chrono::seconds retry_backoff{10};
  std::chrono::seconds retry_backoff_cap{300};
};

// How an iteration ended, as far as halting goes.
struct IterationEnd {
  std::optional<std::string> commit_failure;  // the work could not be committed
  bool history_rewritten = false;
  bool halt_on_history_rewrite = false;
  bool interrupted = false;
  std::optional<std::string> launch_error;  // the agent could not be started
  std::optional<std::string> fatal;         // the agent cannot work (e.g. refused credentials)
  std::optional<std::string> budget_spent;  // the run's cap was used up: the budget room's words
  std::optional<std::string> anomaly;       // flagged under halt_on_anomaly: what and where to look
};

// After a failed iteration: go on after a wait, or halt.
struct AfterFailure {
  std::optional<Halt> halt;
  std::optional<std::chrono::milliseconds> wait;
  std::string reason;  // of the wait
};

class HaltRules {
 public:
  explicit HaltRules(HaltLimits limits) : limits_(limits) {}

  // Before an iteration: the plan is done, every item left is blocked (`blocked`: id -> why;
  // a `budget` halt when one of them is blocked because the budget cannot pay for its next
  // model, `unaffordable`), or the run has had its iterations. `prd` is how prd.json is shown.
  std::optional<Halt> before_iteration(const plan::Plan& plan,
                                       const std::map<std::string, std::string>& blocked,
                                       const std::set<std::string>& unaffordable,
                                       int iterations_this_run, const std::string& prd) const;
  // After an iteration was recorded. `branch` and `run_id` name where ralph's commits are kept.
  std::optional<Halt> after_iteration(const IterationEnd& end, const std::string& branch,
                                      const std::string& run_id) const;
  // The agent hit a usage limit resetting at `resets_at` (none: it did not say when), at `now`.
  AfterFailure usage_limit(std::optional<std::chrono::system_clock::time_point> resets_at,
                           std::chrono::system_clock::time_point now) const;
  // An iteration that is not a usage limit ended with `outcome`; `stderr_log` is its stderr file.
  AfterFailure after_outcome(const std::string& outcome, int exit_code,
                             const std::string& stderr_log);
  // Whether the iteration made progress; a halt after `stall_after` in a row without.
  std::optional<Halt> after_progress(bool progress);
  // An item escalated to a stronger model: the iterations without progress before it do not
  // count towards a stall.
  void fresh_start() { stalled_ = 0; }

 private:
  HaltLimits limits_;
  int stalled_ = 0;
  int failed_ = 0;
};

}  // namespace ralph::loop
