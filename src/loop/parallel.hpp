// A run of items side by side (README "Running many loops"): `ralph run --parallel N`. Up to N
// items run at once, each in a linked git worktree under .ralph/worktrees/<item> on a branch of
// its own, each by a `ralph run` of its own that works on that item alone (RunOptions::worktree)
// and shares the run's id, cost log, iteration numbers and caps (budget/run_pool.hpp). This
// coordinator starts and stops those loops, and owns the merges: when a loop completes its item,
// its branch comes into the run's branch (without what the agent changed of prd.json and
// progress.txt), then the item is set passing in the run's prd.json and what the agent appended
// to progress.txt is appended to the run's, in one commit. A merge that conflicts keeps the
// item's branch and gives the item a fresh worktree from the updated run branch.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/proc_table.hpp"
#include "agent/process.hpp"
#include "agent/process_tree.hpp"
#include "git/repository.hpp"
#include "loop/display.hpp"
#include "loop/halt.hpp"
#include "loop/options.hpp"
#include "loop/state.hpp"
#include "meter/cost_log.hpp"
#include "plan/plan_folder.hpp"
#include "util/clock.hpp"

namespace ralph::loop {

struct ParallelDeps {
  git::Repository& repo;
  const Clock& clock;
  Display& display;
  std::function<int()> interrupts;  // SIGINT/SIGTERM seen so far
  std::function<std::string()> make_run_id;
  std::function<void(const std::string&)> on_run_id;
  agent::ProcessSweeper* sweeper = nullptr;  // what the worktrees' loops left, at the end
  std::filesystem::path self;                // the ralph executable each worktree's loop runs
  // The flags of this `ralph run` that each worktree's loop is given too (not --parallel).
  std::vector<std::string> loop_args;
};

class ParallelRun {
 public:
  ParallelRun(RunOptions options, plan::LoadedPlan loaded, ParallelDeps deps);
  ~ParallelRun();
  ParallelRun(const ParallelRun&) = delete;
  ParallelRun& operator=(const ParallelRun&) = delete;
  // Runs until every item passes or a halt; the halt is written to state.json and shown.
  Halt run();

 private:
  struct Loop {
    std::string item;
    std::unique_ptr<agent::Process> process;
  };

  Status start_or_resume();
  // Starts the loop of `item`'s worktree (adding the worktree when it has none).
  Status start_loop(const std::string& item);
  // The loop of `item` ended: merge, block, or what its halt means for the run.
  std::optional<Halt> loop_ended(const std::string& item);
  // Brings the item's branch into the run's, then its plan updates; false on a conflict.
  Result<bool> merge(RunState::Worktree& tree);
  // SIGTERM to every running loop, then their end (SIGKILL after a grace).
  void stop_loops();
  // Shows the records the loops appended since the last look.
  void show_new_records();
  RunState::Worktree* worktree(const std::string& item);
  // The worktree's name for git, and the last part of its branch: the item, then "<item>+2"...
  static std::string attempt_name(const RunState::Worktree& tree);
  // What the agent of a fresh worktree reads after the merge of its item's branch `branch`
  // conflicted: a heading and one paragraph.
  static std::string conflict_heading(const std::string& item);
  static std::string conflict_note(const RunState::Worktree& tree, const std::string& branch,
                                   const std::string& run_branch);
  std::filesystem::path worktree_path(const std::string& item) const;
  void write_state(const std::string& status, const std::optional<Halt>& halt);
  Halt finish(Halt halt);

  RunOptions options_;
  plan::LoadedPlan loaded_;
  ParallelDeps deps_;
  meter::CostLog log_;
  RunState state_;
  std::vector<Loop> loops_;
  uint64_t log_offset_ = 0;
  uint64_t started_ticks_ = 0;
  double spent_ = 0;             // the run's records so far
  std::optional<Halt> pending_;  // a halt that waits for the running loops to end
  std::string plan_rel_;         // the plan folder, relative to the repository
};

}  // namespace ralph::loop
