#include "loop/halt.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>
#include <vector>

#include "util/clock.hpp"

namespace ralph::loop {

namespace {

constexpr std::array<std::pair<HaltReason, const char*>, 10> kNames = {{
    {HaltReason::kComplete, "complete"},
    {HaltReason::kError, "error"},
    {HaltReason::kBadInput, "bad_input"},
    {HaltReason::kBudget, "budget"},
    {HaltReason::kMaxIterations, "max_iterations"},
    {HaltReason::kStalled, "stalled"},
    {HaltReason::kAgentFatal, "agent_fatal"},
    {HaltReason::kBlocked, "blocked"},
    {HaltReason::kAnomaly, "anomaly"},
    {HaltReason::kInterrupted, "interrupted"},
}};

}  // namespace

int exit_code(HaltReason reason) {
  switch (reason) {
    case HaltReason::kComplete:
      return 0;
    case HaltReason::kError:
      return 1;
    case HaltReason::kBadInput:
      return 2;
    case HaltReason::kBudget:
      return 3;
    case HaltReason::kMaxIterations:
      return 4;
    case HaltReason::kStalled:
      return 5;
    case HaltReason::kAgentFatal:
      return 6;
    case HaltReason::kBlocked:
      return 7;
    case HaltReason::kAnomaly:
      return 8;
    case HaltReason::kInterrupted:
      return 130;
  }
  return 1;
}

std::string halt_name(HaltReason reason) {
  for (const auto& [r, name] : kNames) {
    if (r == reason) return name;
  }
  return "error";
}

std::optional<HaltReason> halt_from_name(const std::string& name) {
  for (const auto& [r, n] : kNames) {
    if (name == n) return r;
  }
  return std::nullopt;
}

std::optional<Halt> HaltRules::before_iteration(const plan::Plan& plan,
                                                const std::map<std::string, std::string>& blocked,
                                                const std::set<std::string>& unaffordable,
                                                int iterations_this_run,
                                                const std::string& prd) const {
  if (plan::all_pass(plan)) {
    return Halt{HaltReason::kComplete,
                fmt::format("all {} items in {} pass", plan.items.size(), prd)};
  }
  std::vector<std::string> left;
  bool all_blocked = true;
  bool money = false;  // one of them waits for a model the budget cannot pay for
  for (const auto& item : plan.items) {
    if (item.passes) continue;
    auto it = blocked.find(item.id);
    if (it == blocked.end()) {
      all_blocked = false;
      break;
    }
    left.push_back(fmt::format("{} ({})", item.id, it->second));
    money = money || unaffordable.count(item.id) != 0;
  }
  if (all_blocked && money) {
    return Halt{HaltReason::kBudget,
                fmt::format("every item left is blocked, and the budget cannot pay for the next "
                            "model of the ladder: {}; raise the budget and run `ralph run "
                            "--resume`",
                            fmt::join(left, "; "))};
  }
  if (all_blocked) {
    return Halt{HaltReason::kBlocked,
                fmt::format("every item left is blocked: {}; raise the limits and run `ralph "
                            "run --resume`, or start a new run",
                            fmt::join(left, "; "))};
  }
  if (iterations_this_run >= limits_.max_iterations) {
    return Halt{HaltReason::kMaxIterations,
                fmt::format("{} iterations done, {} of {} items still fail (raise "
                            "--max-iterations to go on)",
                            iterations_this_run, plan.items.size() - plan::passing_ids(plan).size(),
                            plan.items.size())};
  }
  return std::nullopt;
}

std::optional<Halt> HaltRules::after_iteration(const IterationEnd& end, const std::string& branch,
                                               const std::string& run_id) const {
  if (end.commit_failure) {
    return Halt{HaltReason::kError,
                fmt::format("the iteration's work is in the work tree, uncommitted: {}",
                            *end.commit_failure)};
  }
  if (end.history_rewritten && end.halt_on_history_rewrite) {
    return Halt{HaltReason::kError,
                fmt::format("the agent rewrote the history of {} (\"on_history_rewrite\" "
                            "is \"halt\"); its work is committed, and ralph's commits are "
                            "kept under refs/ralph/{}/",
                            branch.empty() ? "HEAD" : branch, run_id)};
  }
  if (end.interrupted) {
    return Halt{HaltReason::kInterrupted, "stopped by a signal; `ralph run` resumes the run"};
  }
  if (end.launch_error) {
    return Halt{HaltReason::kAgentFatal,
                fmt::format("{} (install Claude Code or pass --agent PATH)", *end.launch_error)};
  }
  if (end.fatal) return Halt{HaltReason::kAgentFatal, *end.fatal};
  if (end.budget_spent) return Halt{HaltReason::kBudget, *end.budget_spent};
  if (end.anomaly) return Halt{HaltReason::kAnomaly, *end.anomaly};
  return std::nullopt;
}

AfterFailure HaltRules::usage_limit(std::optional<std::chrono::system_clock::time_point> resets_at,
                                    std::chrono::system_clock::time_point now) const {
  AfterFailure out;
  std::chrono::seconds wait = limits_.retry_backoff_cap;  // no reset time given
  std::string until = "a reset time the agent did not give";
  if (resets_at) {
    wait = std::max(std::chrono::seconds(0),
                    std::chrono::duration_cast<std::chrono::seconds>(*resets_at - now)) +
           std::chrono::seconds(5);
    until = format_rfc3339(*resets_at);
  }
  if (wait > limits_.max_wait) {
    out.halt = Halt{HaltReason::kAgentFatal,
                    fmt::format("the agent's usage limit resets at {}, later than --max-wait "
                                "({}s) allows; run `ralph run` again after it resets",
                                until, limits_.max_wait.count())};
    return out;
  }
  out.wait = wait;
  out.reason = fmt::format("usage limit: waiting for its reset at {}", until);
  return out;
}

AfterFailure HaltRules::after_outcome(const std::string& outcome, int exit_code,
                                      const std::string& stderr_log) {
  AfterFailure out;
  failed_ = outcome == "agent_error" ? failed_ + 1 : 0;
  if (failed_ == 0) return out;
  if (failed_ >= limits_.max_agent_failures) {
    out.halt = Halt{HaltReason::kAgentFatal,
                    fmt::format("the agent failed {} iterations in a row (last exit code {}); "
                                "see {}",
                                failed_, exit_code, stderr_log)};
    return out;
  }
  auto backoff = limits_.retry_backoff * (1LL << std::min(failed_ - 1, 20));
  out.wait = std::min<std::chrono::milliseconds>(backoff, limits_.retry_backoff_cap);
  out.reason =
      fmt::format("the agent failed (exit code {}, see {}); retrying", exit_code, stderr_log);
  return out;
}

std::optional<Halt> HaltRules::after_progress(bool progress) {
  stalled_ = progress ? 0 : stalled_ + 1;
  if (stalled_ < limits_.stall_after) return std::nullopt;
  return Halt{
      HaltReason::kStalled,
      fmt::format("{} iterations in a row changed no file and completed no item", stalled_)};
}

}  // namespace ralph::loop
