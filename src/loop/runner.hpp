// The loop (README "Usage" to "Budgets"): pick the next item, run the agent on it, meter it, record
// it, commit it, and decide whether to go on.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "agent/agent.hpp"
#include "agent/process_tree.hpp"
#include "budget/budgets.hpp"
#include "budget/ledger.hpp"
#include "budget/periods.hpp"
#include "budget/run_pool.hpp"
#include "git/vcs.hpp"
#include "loop/anomaly_watch.hpp"
#include "loop/display.hpp"
#include "loop/halt.hpp"
#include "loop/hook_runner.hpp"
#include "loop/hooks.hpp"
#include "loop/item_limits.hpp"
#include "loop/log_guard.hpp"
#include "loop/model_ladder.hpp"
#include "loop/options.hpp"
#include "loop/run_branch.hpp"
#include "loop/state.hpp"
#include "meter/anomaly.hpp"
#include "meter/cost_log.hpp"
#include "meter/stream_meter.hpp"
#include "meter/totals.hpp"
#include "plan/plan_folder.hpp"
#include "util/clock.hpp"

namespace ralph::loop {

struct RunnerDeps {
  agent::AgentLauncher& launcher;
  git::Vcs& vcs;
  const Clock& clock;
  Display& display;
  std::function<int()> interrupts;  // SIGINT/SIGTERM seen so far
  std::function<std::string()> make_run_id;
  std::function<void(const std::string&)> on_run_id;  // e.g. to note it in the lock file
  // Waits `duration` showing `why`; false when a signal cut the wait short.
  std::function<bool(std::chrono::milliseconds duration, const std::string& why)> wait;
  // Removes secrets from the agent's output before it is written anywhere; none: identity.
  std::function<std::string(std::string_view)> redact;
  // Runs the hooks of RunOptions::hooks; none: no hook runs.
  HookRunner* hooks = nullptr;
  // Stops what the agent leaves running when an iteration ends; none: nothing is swept.
  agent::ProcessSweeper* sweeper = nullptr;
  // The user-level ledger (README "Budgets"): every record goes there too, and the calendar
  // caps count from it; none: no ledger, no calendar caps.
  budget::Ledger* ledger = nullptr;
  // The 5-hour blocks of the agent's transcripts at a time (milliseconds since the epoch), for
  // block_limit (README "Pacing to the 5-hour window"); none: no pacing.
  std::function<budget::WindowView(int64_t now_ms)> window;
};

class Runner {
 public:
  Runner(RunOptions options, plan::LoadedPlan loaded, RunnerDeps deps);
  // Its parts hold references into it (the ladder, the pricing table).
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;
  // Runs until a halt; the halt is also written to state.json and shown.
  Halt run();

 private:
  struct IterationResult {
    meter::IterationRecord record;
    bool changed_files = false;
    bool rejected = false;                          // a pre_commit hook refused the work
    std::optional<Halt> halt;                       // set when this iteration ends the run
    std::optional<std::chrono::milliseconds> wait;  // before the next iteration
    std::string wait_reason;
  };

  Status start_or_resume();
  Status recover(const RunState& crashed);
  // The next item that may have an iteration, and its model: items that reached a per-item
  // limit, or whose escalation the budget cannot pay for, are blocked on the way, and so are
  // the items that depend on a blocked one. None when every item left is blocked or passes.
  const plan::PlanItem* choose_item(const plan::Plan& plan, ModelChoice& choice);
  // Why an item is blocked, for what progress.txt advises.
  enum class BlockCause { kLimit, kUnaffordable, kDependency };
  // Blocks `item` for the rest of the run, saying why on the display and in progress.txt;
  // kUnaffordable: the budget cannot pay for its next model.
  void block(const std::string& item, const std::string& why,
             BlockCause cause = BlockCause::kLimit);
  // Blocks every item left that depends (through others too) on a blocked item: it could
  // never start.
  void block_dependents(const plan::Plan& plan);
  // What the items of each estimated complexity cost in this repository, for start_tier
  // "auto" (read from the cost log once, when the run starts).
  void learn_history();
  // Tells the budget room what every loop of the ledger spent in the current day, week and
  // month; an error when the ledger cannot be read. `running`: while an agent runs (a shared
  // ledger's lost connection is then not made again: the metering does not wait for it).
  Status refresh_calendar(bool running = false);
  // The ledger could not be read (`why`): a shared one that does not answer is waited for, a
  // few seconds at a time, for --max-wait at most (README "A shared ledger in PostgreSQL");
  // none: waited, ask again. Any other ledger, or a wait cut short: the halt.
  std::optional<Halt> await_ledger(const std::string& why);
  // The calendar caps, checked under the ledger's cap check: whether the next iteration on
  // `item` may start, and if so what it reserves of the caps for the other loops to see.
  Result<budget::Start> check_caps(const plan::PlanItem& item);
  // With a block_limit: whether the next iteration waits for the 5-hour block to reset, with
  // the run's mean iteration as the next one's estimate; notes the block in state.json.
  budget::PaceDecision pace_window();
  // A worktree's loop: publishes what it spent in the run, its running iteration's `live` cost
  // included, and tells the run's cap what the other worktrees spent.
  void share_run_spend(double live);
  // A worktree's loop: the next iteration's number, claimed from the run's pool, which every
  // worktree shares with the run's iteration limit (README "Items side by side"); a halt when
  // the run started all its iterations.
  std::optional<Halt> claim_number();
  // A worktree's loop: leaves `item` alone in `plan`, its dependencies met (the run started it
  // once they passed); false when the plan no longer has it.
  static bool keep_only(plan::Plan& plan, const std::string& item);
  // prd.json read again: in a worktree's loop, its item alone (when the plan still has it).
  std::optional<plan::Plan> reload(plan::Problems& problems) const;
  // What stands for the run id in this loop's process tags: the run's, or in a worktree's loop
  // the worktree's scope of it (agent::worktree_tag_scope), so its sweeps stop only its own.
  std::string tag_scope(const std::string& run_id) const {
    return options_.worktree ? agent::worktree_tag_scope(run_id, options_.worktree->item) : run_id;
  }
  // Appends a record to the cost log (restoring the log first if it shrank) and the ledger.
  Status append_record(const meter::IterationRecord& record);
  // Waits `duration`, with state.json saying until when (`until` when the wait is one step of a
  // longer one); false when a signal cut it short.
  // One step of a wait for a calendar period that ends at `resets_at`: a minute at most, each
  // time asking the wall clock again (a machine that slept wakes at most a minute late).
  std::chrono::milliseconds calendar_wait_step(
      std::chrono::system_clock::time_point resets_at) const;
  // The table's name of a model (an alias's model), to compare iterations' models.
  std::string priced_name(const std::string& model) const;
  bool wait_for(std::chrono::milliseconds duration, const std::string& why,
                std::optional<std::chrono::system_clock::time_point> until = std::nullopt);
  // Gives budget warnings to the display and the on_budget_warning hooks.
  void report(const std::vector<budget::Warning>& warnings, int iteration);
  IterationResult run_iteration(const plan::Plan& plan, const plan::PlanItem& item,
                                const ModelChoice& choice, std::optional<double> agent_budget);
  void write_state(const std::string& status, const std::optional<Halt>& halt);
  Halt finish(Halt halt);
  std::string redact(std::string_view text) const;
  // Stops what matches `spec` (if there is a sweeper), saying what it stopped and whose it was.
  std::vector<agent::StrayProcess> sweep(const agent::SweepSpec& spec, const std::string& whose);
  void note_held_back(const std::vector<std::string>& files);
  // A record of this run on the log (on a resume), or just appended by a recovery.
  void count_recorded(const meter::IterationRecord& record);
  // Stops what a ralph that crashed in the middle of `crashed` left running.
  void stop_what_the_crash_left(const RunState& crashed);

  RunOptions options_;
  plan::LoadedPlan loaded_;
  RunnerDeps deps_;
  meter::CostLog log_;
  budget::Budgets budgets_;
  HaltRules rules_;
  ItemLimits items_;
  AnomalyWatch anomalies_;
  std::map<plan::Complexity, plan::LevelHistory> history_;  // for start_tier "auto"
  ModelLadder ladder_;
  std::set<std::string> blocked_before_;  // blocked in the run before this ralph resumed it
  std::optional<budget::TimeZone> zone_;  // of the calendar caps, when there are any
  double reserved_ = 0;  // of the calendar caps, for the next iteration (check_caps)
  std::optional<std::chrono::steady_clock::time_point> ledger_down_since_;
  LogGuard log_guard_;
  Hooks hooks_;
  meter::Totals totals_;  // of this run's iterations so far
  RunState state_;
  std::string last_tree_;  // without commits: the work tree's id after the last iteration
  std::string pace_note_;  // the last pacing reason shown, so each is shown once
  int iterations_this_run_ = 0;
  int last_iteration_ = 0;
  uint64_t started_ticks_ = 0;  // when this ralph started the run (clock ticks since boot)
  RunBranch branch_;
  std::optional<budget::RunPool> pool_;  // a worktree's loop: what the run's worktrees share
};

// "20261123-101500-ab12": UTC start time and four random hex digits.
std::string new_run_id(const Clock& clock);

}  // namespace ralph::loop
