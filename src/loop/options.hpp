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

// The loop of one worktree of a run of items side by side (README "Running many loops"): it
// works on `item` alone, on the branch its worktree has checked out; the run's id, cost log,
// run folder and pool (budget/run_pool.hpp) are the main work tree's.
struct WorktreeRole {
  std::string item;
  std::string run_id;
  std::filesystem::path main_root;  // the main work tree
};

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
  // As resumes_last_run (loop/state.hpp) takes it: none for kAuto.
  std::optional<bool> resume_asked() const {
    return resume == Resume::kAuto ? std::nullopt : std::optional<bool>(resume == Resume::kResume);
  }
  // Lifecycle hooks (README "Hooks"): event -> executables, relative to repo_root or absolute.
  std::map<std::string, std::vector<std::string>> hooks;
  std::chrono::seconds hook_timeout{300};
  // Where the agent keeps its transcripts ($HOME of the agent, which is ralph's).
  std::filesystem::path agent_home;

  // Takes every run setting from `settings` (flags over ralph.json over the defaults).
  void apply(const plan::Settings& settings);

  // Set: this loop is one worktree's of a run of items side by side.
  std::optional<WorktreeRole> worktree;
  // Items side by side at most (ralph.json "parallel"); 1: one item at a time.
  int parallel = 1;
  // Where the ledger is (ralph.json "ledger"; $RALPH_LEDGER wins): a path or a PostgreSQL URL,
  // as budget::ledger_location reads it. Empty: the user's file.
  std::string ledger;

  // This loop's own: its lock and state.json.
  std::filesystem::path state_dir() const { return repo_root / ".ralph"; }
  std::filesystem::path state_path() const { return state_dir() / "state.json"; }
  // The run's: the main work tree's, whichever worktree this loop runs in.
  const std::filesystem::path& run_root() const {
    return worktree ? worktree->main_root : repo_root;
  }
  std::filesystem::path run_state_dir() const { return run_root() / ".ralph"; }
  std::filesystem::path log_path() const { return run_state_dir() / "iterations.jsonl"; }
  std::filesystem::path runs_dir() const { return run_state_dir() / "runs"; }
  std::filesystem::path pool_dir(const std::string& run_id) const {
    return runs_dir() / run_id / "pool";
  }
  // Creates the run's folder under runs_dir(); an error says why it could not.
  Status create_run_dir(const std::string& run_id) const;
};

}  // namespace ralph::loop
