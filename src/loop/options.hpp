// The settings of one `ralph run`, resolved from flags, plans/ralph.json and defaults
// (plan/settings.hpp describes each). The defaults here are the table's; a unit test holds
// them to it.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "budget/budgets.hpp"
#include "budget/window_pace.hpp"
#include "loop/halt.hpp"
#include "loop/model_ladder.hpp"
#include "plan/plan_folder.hpp"
#include "plan/settings.hpp"

namespace ralph::loop {

struct RunOptions {
  std::filesystem::path repo_root;
  plan::PlanFolder plan;
  budget::Limits budgets;  // the run's, each iteration's, each item's and the calendar caps
  std::string timezone;    // of the calendar caps' periods; "": the machine's
  // A calendar cap was reached: wait for its next period instead of halting (on_calendar_cap).
  bool calendar_wait = false;
  HaltLimits halts;             // max_iterations, stall_after, max_agent_failures, waits
  int item_max_iterations = 5;  // for items whose prd.json sets no maxIterations
  std::string model;            // "" = the agent's default
  LadderOptions ladder;         // the model ladder (README "Models"); the runner sets its `model`
  double anomaly_factor = 4;    // README "Anomalies"
  bool halt_on_anomaly = false;
  // README "Pacing to the 5-hour window": wait for the block to reset rather than pass this.
  std::optional<budget::BlockLimit> block_limit;
  std::string agent = "claude";
  std::vector<std::string> agent_args;
  std::chrono::seconds iteration_timeout{3600};
  std::chrono::seconds idle_timeout{1800};  // 0: none
  std::chrono::seconds result_grace{30};
  bool no_commit = false;
  // An agent rewrote the run's branch (ralph's last commit is no longer on it): halt with
  // `error` instead of warning and going on (ralph.json "on_history_rewrite": "halt").
  bool halt_on_history_rewrite = false;
  std::chrono::milliseconds stop_grace{5000};
  enum class Resume { kAuto, kResume, kNew } resume = Resume::kAuto;
  // Lifecycle hooks (README "Hooks"): event -> executables, relative to repo_root or absolute.
  std::map<std::string, std::vector<std::string>> hooks;
  std::chrono::seconds hook_timeout{300};
  // Where the agent keeps its transcripts ($HOME of the agent, which is ralph's).
  std::filesystem::path agent_home;

  // Takes every run setting from `settings` (flags over ralph.json over the defaults).
  void apply(const plan::Settings& settings);

  std::filesystem::path state_dir() const { return repo_root / ".ralph"; }
  std::filesystem::path log_path() const { return state_dir() / "iterations.jsonl"; }
  std::filesystem::path state_path() const { return state_dir() / "state.json"; }
};

}  // namespace ralph::loop
