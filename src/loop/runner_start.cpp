// The start of a run (README "When things go wrong"): a new run or a resumed one, what a ralph
// that crashed left running, and the iteration it lost, rebuilt and committed like any other.
#include <fmt/format.h>

#include "agent/proc_table.hpp"
#include "agent/process_tree.hpp"
#include "git/commit_message.hpp"
#include "loop/commit_gate.hpp"
#include "loop/recovery.hpp"
#include "loop/runner.hpp"

namespace ralph::loop {

namespace fs = std::filesystem;
using meter::IterationRecord;

Status Runner::start_or_resume() {
  started_ticks_ = agent::boot_ticks_now();
  std::error_code ec;
  fs::create_directories(options_.runs_dir(), ec);
  if (ec) {
    return make_error(
        fmt::format("cannot create {}: {}", (options_.runs_dir()).string(), ec.message()));
  }
  auto previous = read_state(options_.state_path());
  const bool resume =
      resumes_last_run(previous, options_.resume_asked(),
                       [this](const std::string& text) { deps_.display.note(text); });
  // Whatever is decided, what a crashed ralph left running goes first: its agent must not go
  // on editing the work tree beside a new one.
  if (previous && previous->status == "running") stop_what_the_crash_left(*previous);
  state_ = RunState{};
  if (resume) {
    // The agent of the crashed iteration may have deleted the log: its records, and the run's
    // spend, come back from the ledger before anything counts them.
    if (auto warning = log_guard_.restore_missing()) deps_.display.note(*warning);
    state_.run_id = previous->run_id;
    state_.started_at = previous->started_at;
    for (const auto& [id, why] : previous->blocked_items) blocked_before_.insert(id);
  } else {
    // A worktree's loop is part of the run that started it (README "Running many loops").
    state_.run_id = options_.worktree ? options_.worktree->run_id : deps_.make_run_id();
    state_.started_at = format_rfc3339(deps_.clock.wall_now());
  }
  if (resume || options_.worktree) {
    // A worktree's loop counts its item's records of the run, from its earlier worktrees too:
    // an iteration whose merge conflicted is a try of the item like any other.
    auto scanned = log_.scan(0, [this](const IterationRecord& record) {
      if (record.run_id != state_.run_id) return;
      if (options_.worktree && record.worktree != options_.worktree->item) return;
      count_recorded(record);
    });
    if (!scanned) return scanned.error();
  }
  if (options_.worktree) {
    pool_.emplace(options_.pool_dir(state_.run_id));
  }
  if (!options_.no_commit) {
    // The run's branch: branchName; else, resuming after a crash, the crashed run's (its agent
    // may have moved HEAD before the crash); else the one checked out now.
    std::string name = options_.worktree ? "" : loaded_.plan.branch_name;
    if (name.empty() && resume && previous->status == "running") name = previous->branch;
    if (name.empty()) {
      auto on = deps_.vcs.branch();
      if (on) name = *on;
    }
    state_.branch = name;
  }
  branch_.start(state_.run_id, state_.branch);
  if (budgets_.has_calendar()) {
    auto zone = budget::TimeZone::named(options_.timezone);
    if (!zone) return zone.error();
    zone_ = *zone;
  }
  log_guard_.mark();
  if (resume && previous->status == "running") {
    if (Status s = recover(*previous); !s) return s;
  }
  state_.pid = static_cast<int>(::getpid());
  state_.budget_usd = options_.budgets.run;
  state_.plan_dir = options_.plan.display_dir;
  state_.spent_usd = budgets_.run_spent();
  state_.iteration = last_iteration_;
  if (Status s = options_.create_run_dir(state_.run_id); !s) return s;
  if (deps_.on_run_id) deps_.on_run_id(state_.run_id);
  deps_.display.run_started(state_.run_id, resume);
  write_state("running", std::nullopt);
  return ok_status();
}

void Runner::count_recorded(const IterationRecord& record) {
  // A worktree's loop keeps to what its branch holds: an earlier try's commits are on another.
  bool on_branch = true;
  if (options_.worktree && record.commit) {
    auto branch = deps_.vcs.branch();
    auto holds = branch ? deps_.vcs.contains(*branch, *record.commit) : Result<bool>(false);
    on_branch = holds && *holds;
  }
  if (on_branch) branch_.recorded(record.iteration, record.commit, record.history_rewritten);
  last_iteration_ = std::max(last_iteration_, record.iteration);
  ++iterations_this_run_;
  budgets_.book_recorded(record.item_id.value_or(""), record.cost_usd);
  // As the loop counted it (older records: an interrupted iteration is no try).
  if (record.item_id && record.item_try.value_or(record.outcome != "interrupted")) {
    items_.count(*record.item_id);
    ladder_.count(*record.item_id, record, without_progress(record));
    anomalies_.add(record, priced_name(record.model));
  }
  totals_.add(record.usage, record.cost_usd);
}

void Runner::stop_what_the_crash_left(const RunState& crashed) {
  // Its agent, what the agent's tools started, its hooks: every process of the user tagged
  // with the crashed iteration's tag and started after it, so a stranger that reused a pid
  // is never hit.
  agent::SweepSpec left;
  if (!crashed.process_tag.empty() && crashed.iteration > 0) {
    left.tag = agent::process_tag_prefix(tag_scope(crashed.run_id), crashed.iteration);
    left.tag_prefix = true;
    left.started_after = crashed.iteration_start_ticks;
  } else if (crashed.agent_pid > 0 && crashed.agent_start_ticks > 0 &&
             agent::process_start_ticks(crashed.agent_pid) == crashed.agent_start_ticks) {
    // A state file from before process tags: the agent's group, if its leader is still the
    // very process the crashed ralph started.
    left.groups = {crashed.agent_pid};
    left.started_after = crashed.agent_start_ticks;
  } else {
    return;
  }
  left.grace = options_.stop_grace;
  sweep(left, "the crashed ralph");
}

Status Runner::recover(const RunState& crashed) {
  std::set<int> recorded;
  auto scanned = log_.scan(0, [&](const IterationRecord& record) {
    if (record.run_id == crashed.run_id) recorded.insert(record.iteration);
  });
  if (!scanned) return scanned.error();
  plan::Problems problems;
  auto plan = reload(problems);
  Recovery recovery = recover_crashed_iteration(
      crashed, recorded, plan ? plan::passing_ids(*plan) : std::set<std::string>(), options_,
      loaded_.pricing, deps_.clock);
  for (const auto& note : recovery.notes) deps_.display.note(note);
  if (!recovery.record) return ok_status();
  meter::IterationRecord& record = *recovery.record;
  // The lost iteration's work passes the same checks and the same pre_commit gate as any
  // other, and lands on the run's branch.
  if (options_.worktree) record.worktree = options_.worktree->item;
  if (!options_.no_commit) record.history_rewritten = branch_.keep();
  if (!options_.no_commit &&
      pass_commit_gate(hooks_, deps_.vcs, options_.plan, deps_.display, record)) {
    auto commit = deps_.vcs.commit_all(redact(git::commit_message(record, crashed.item_title)));
    if (!commit)
      return make_error("cannot commit the recovered iteration's work: " + commit.message());
    record.commit = commit->commit;
    note_held_back(commit->held_back);
    if (record.commit) branch_.pin(record.iteration, *record.commit, true);
  }
  if (Status s = append_record(record); !s) return s;
  count_recorded(record);
  return ok_status();
}

}  // namespace ralph::loop
