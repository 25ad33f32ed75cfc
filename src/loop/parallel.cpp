#include "loop/parallel.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <set>

#include "budget/run_pool.hpp"
#include "loop/runner.hpp"
#include "loop/signals.hpp"
#include "util/fs.hpp"

namespace ralph::loop {

namespace fs = std::filesystem;

namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);

// Halts of a worktree's loop that end the whole run, the others stopped first.
bool stops_the_others(HaltReason reason) {
  return reason == HaltReason::kError || reason == HaltReason::kBadInput ||
         reason == HaltReason::kAgentFatal || reason == HaltReason::kAnomaly ||
         reason == HaltReason::kInterrupted;
}

}  // namespace

ParallelRun::ParallelRun(RunOptions options, plan::LoadedPlan loaded, ParallelDeps deps)
    : options_(std::move(options)),
      loaded_(std::move(loaded)),
      deps_(std::move(deps)),
      log_(options_.log_path()) {}

ParallelRun::~ParallelRun() {
  stop_loops();
}

RunState::Worktree* ParallelRun::worktree(const std::string& item) {
  for (auto& tree : state_.worktrees) {
    if (tree.item == item) return &tree;
  }
  return nullptr;
}

fs::path ParallelRun::worktree_path(const std::string& item) const {
  return options_.state_dir() / "worktrees" / item;
}

Status ParallelRun::start_or_resume() {
  started_ticks_ = agent::boot_ticks_now();
  if (options_.no_commit) {
    return make_error("--parallel merges each item's commits: it cannot run with --no-commit");
  }
  plan_rel_ = options_.plan.dir.lexically_relative(options_.repo_root).generic_string();
  if (plan_rel_.empty() || plan_rel_.rfind("..", 0) == 0) {
    return make_error(fmt::format("--parallel needs the plan folder {} inside the repository",
                                  options_.plan.display_dir));
  }
  for (const auto& item : loaded_.plan.items) {
    if (item.id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                  "._-") != std::string::npos ||
        item.id.front() == '.' || item.id.front() == '-') {
      return make_error(fmt::format(
          "--parallel names a worktree and a branch after each item: the id \"{}\" in {} may "
          "hold only letters, digits, '.', '_' and '-', and start with a letter or digit",
          item.id, options_.plan.display("prd.json")));
    }
  }
  auto previous = read_state(options_.state_path());
  const bool resume =
      resumes_last_run(previous, options_.resume_asked(),
                       [this](const std::string& text) { deps_.display.note(text); });
  if (previous && previous->status == "running" && deps_.sweeper != nullptr) {
    // A ralph that crashed: its worktrees' loops were told to stop when it died; what of them
    // still runs, and of their agents, carries the run's tag.
    agent::SweepSpec left;
    left.tag = agent::process_tag_prefix(previous->run_id);
    left.tag_prefix = true;
    left.grace = options_.stop_grace * 3;
    auto strays = deps_.sweeper->sweep(left);
    if (!strays.empty()) deps_.display.note(agent::strays_warning(strays, "the crashed ralph"));
  }
  if (resume) {
    state_.run_id = previous->run_id;
    state_.started_at = previous->started_at;
    state_.worktrees = previous->worktrees;
    for (auto& tree : state_.worktrees) {
      // A blocked item gets its chance again (its limits may have been raised), on its branch.
      if (tree.status == "running" || tree.status == "starting" || tree.status == "blocked") {
        tree.status = "stopped";
      }
      tree.pid = 0;
    }
  } else {
    state_.run_id = deps_.make_run_id();
    state_.started_at = format_rfc3339(deps_.clock.wall_now());
    // The worktrees an earlier run kept go; their branches keep their work.
    for (const auto& tree : previous ? previous->worktrees : std::vector<RunState::Worktree>{}) {
      if (tree.status == "merged" || !fs::exists(worktree_path(tree.item))) continue;
      if (Status s = deps_.repo.remove_worktree(attempt_name(tree)); !s) return s;
      deps_.display.note(
          fmt::format("ralph: removed the worktree of {} from run {}; its branch {} "
                      "keeps its work",
                      tree.item, previous->run_id, tree.branch));
    }
  }
  if (!loaded_.plan.branch_name.empty()) {
    if (Status s = deps_.repo.use_branch(loaded_.plan.branch_name); !s) return s;
  }
  auto branch = deps_.repo.branch();
  if (!branch || branch->empty()) {
    return make_error("--parallel merges into the run's branch: HEAD must be on a branch");
  }
  state_.branch = *branch;
  // The worktrees start from the run's branch as it is: what the work tree holds goes in first,
  // as the first iteration of a run would commit it.
  auto committed = deps_.repo.commit_all(fmt::format(
      "ralph: the work tree as run {} starts\n\nRalph-Run: {}\n", state_.run_id, state_.run_id));
  if (!committed) return make_error("cannot commit the work tree: " + committed.message());
  auto head = deps_.repo.head();
  if (!head) return head.error();
  auto tracked = deps_.repo.file_at(*head, plan_rel_ + "/prd.json");
  if (!tracked) return tracked.error();
  if (!*tracked) {
    return make_error(fmt::format(
        "--parallel gives each worktree the plan from the run's branch: {} is not committed "
        "(is it ignored?)",
        options_.plan.display("prd.json")));
  }
  int count = 0;
  int last = 0;
  double outside = 0;  // of iterations not in a worktree: the run before --parallel
  auto scanned = log_.scan(0, [&](const meter::IterationRecord& record) {
    if (record.run_id != state_.run_id) return;
    ++count;
    last = std::max(last, record.iteration);
    spent_ += record.cost_usd;
    if (!record.worktree) outside += record.cost_usd;
  });
  if (!scanned) return scanned.error();
  log_offset_ = scanned->end_offset;
  budget::RunPool pool(options_.pool_dir(state_.run_id));
  if (Status s = pool.seed(count, last); !s) return s;
  // The worktrees' loops count their own item's records; the run's cap counts these too.
  pool.publish(budget::kOutsideWorktrees, outside);
  state_.pid = static_cast<int>(::getpid());
  state_.parallel = options_.parallel;
  state_.budget_usd = options_.budgets.run;
  state_.plan_dir = options_.plan.display_dir;
  state_.spent_usd = spent_;
  if (Status s = options_.create_run_dir(state_.run_id); !s) return s;
  if (deps_.on_run_id) deps_.on_run_id(state_.run_id);
  deps_.display.run_started(state_.run_id, resume);
  write_state("running", std::nullopt);
  return ok_status();
}

Status ParallelRun::start_loop(const std::string& item) {
  RunState::Worktree* tree = worktree(item);
  std::string earlier;  // the branch of the try before, when this one starts afresh
  const fs::path path = worktree_path(item);
  if (tree == nullptr) {
    state_.worktrees.push_back(RunState::Worktree{item, "", "", "", "", 1, 0, {}, 0, ""});
    tree = &state_.worktrees.back();
  } else if (tree->status == "conflict") {
    earlier = tree->branch;
    ++tree->attempt;  // a fresh worktree from the run's branch as it is now
    tree->branch.clear();
  }
  const bool fresh = tree->branch.empty();
  if (fresh || !fs::exists(path)) {
    // A new worktree, or one rebuilt on its branch (a resume after a crash or a halt that
    // removed it). What it is to be is in state.json first, so a crash in between is resumed.
    auto head = deps_.repo.head();
    if (!head) return head.error();
    if (fresh) {
      tree->branch = fmt::format("ralph/{}/{}", state_.run_id, attempt_name(*tree));
      tree->base = *head;
    }
    tree->path = path.lexically_relative(options_.repo_root).generic_string();
    tree->status = "starting";
    write_state("running", std::nullopt);
    if (fs::exists(path) && fresh) {
      std::error_code ec;  // a folder git no longer knows: an earlier try's, its branch keeps it
      fs::remove_all(path, ec);
    }
    if (Status s = deps_.repo.add_worktree(attempt_name(*tree), path, tree->branch, tree->base);
        !s) {
      return s;
    }
    if (fresh && !earlier.empty()) {
      plan::PlanFolder folder{path / plan_rel_, options_.plan.display_dir};
      if (Status s =
              plan::append_progress_note(folder, conflict_note(*tree, earlier, state_.branch));
          !s) {
        deps_.display.note("ralph: warning: " + s.message());
      }
    }
  }
  std::vector<std::string> argv = {deps_.self.string(), "run", "--plan",
                                   (path / plan_rel_).string()};
  argv.insert(argv.end(), deps_.loop_args.begin(), deps_.loop_args.end());
  for (const auto& arg : std::vector<std::string>{
           "--worktree-item", item, "--worktree-run", state_.run_id, "--worktree-main",
           options_.repo_root.string(), "--worktree-parent", std::to_string(::getpid())}) {
    argv.push_back(arg);
  }
  agent::SpawnSpec spec(std::move(argv), path);
  spec.output_file = options_.runs_dir() / state_.run_id / fmt::format("worktree-{}.log", item);
  spec.env = {{agent::kProcessTagVariable, agent::worktree_tag_scope(state_.run_id, item)}};
  auto process = agent::Process::spawn(spec);
  if (!process) return process.error();
  tree->status = "running";
  tree->pid = (*process)->pid();
  deps_.display.note(fmt::format("ralph: {} runs in {} on {}{}", item, tree->path, tree->branch,
                                 tree->attempt > 1 ? fmt::format(" (try {})", tree->attempt) : ""));
  loops_.push_back(Loop{item, std::move(*process)});
  write_state("running", std::nullopt);
  return ok_status();
}

std::optional<Halt> ParallelRun::loop_ended(const std::string& item) {
  RunState::Worktree& tree = *worktree(item);
  tree.pid = 0;
  const fs::path path = worktree_path(item);
  auto ended = read_state(path / ".ralph" / "state.json");
  std::optional<HaltReason> reason;
  if (ended && ended->run_id == state_.run_id) reason = halt_from_name(ended->halt_reason);
  const std::string log =
      (options_.runs_dir() / state_.run_id / fmt::format("worktree-{}.log", item))
          .lexically_relative(options_.repo_root)
          .string();
  if (!reason || ended->status != "halted") {
    tree.status = "stopped";
    stop_loops();
    return Halt{HaltReason::kError,
                fmt::format("the loop of {} ended without a halt; see {}", item, log)};
  }
  const std::string detail = ended->halt_detail;
  switch (*reason) {
    case HaltReason::kComplete: {
      auto merged = merge(tree);
      if (!merged) return Halt{HaltReason::kError, merged.message()};
      if (*merged) {
        deps_.display.note(
            fmt::format("ralph: {} passes: merged into {} ({})", item, state_.branch, tree.detail));
      } else {
        deps_.display.note(fmt::format(
            "ralph: {}'s merge into {} conflicts in {}: its branch {} is kept, and the item gets "
            "another iteration in a fresh worktree",
            item, state_.branch, fmt::join(tree.conflicts, ", "), tree.branch));
      }
      return std::nullopt;
    }
    case HaltReason::kBudget:
      // Its item alone blocked, by an escalation the budget cannot pay for: the item is blocked,
      // not the run. A cap used up halts the run.
      if (!ended->blocked_items.count(item)) {
        tree.status = "stopped";
        return Halt{*reason, fmt::format("{}: {}", item, detail)};
      }
      [[fallthrough]];
    case HaltReason::kBlocked:
    case HaltReason::kStalled:
      tree.status = "blocked";
      // Why, as the loop blocked it (its halt says it of every item, which is this one).
      tree.detail = ended->blocked_items.count(item) ? ended->blocked_items.at(item) : detail;
      deps_.display.note(
          fmt::format("ralph: {} is blocked for the rest of the run: {}", item, tree.detail));
      return std::nullopt;
    case HaltReason::kInterrupted:
      tree.status = "stopped";
      if (deps_.interrupts && deps_.interrupts() > 0) return std::nullopt;
      stop_loops();
      return Halt{HaltReason::kInterrupted,
                  fmt::format("the loop of {} was stopped by a signal; `ralph run` resumes", item)};
    default:
      tree.status = "stopped";
      if (stops_the_others(*reason)) stop_loops();
      return Halt{*reason, fmt::format("{}: {}", item, detail)};
  }
}

void ParallelRun::stop_loops() {
  if (loops_.empty()) return;
  auto signals = [this] { return deps_.interrupts ? deps_.interrupts() : 0; };
  int passed_on = std::max(1, signals());
  for (auto& loop : loops_) ::kill(-loop.process->pid(), SIGTERM);
  // Each loop stops its agent (its grace), sweeps what the agent left (the same grace), then
  // commits and records its iteration, which its hooks may take up to hook_timeout for. A
  // second signal is passed on too: each loop then skips its graces.
  const auto grace = options_.stop_grace * 2 + options_.hook_timeout + std::chrono::seconds(5);
  const auto deadline = deps_.clock.steady_now() + grace;
  for (auto& loop : loops_) {
    while (!loop.process->exited() && deps_.clock.steady_now() < deadline) {
      if (signals() > passed_on) {
        passed_on = signals();
        for (auto& other : loops_) {
          if (!other.process->exited()) ::kill(-other.process->pid(), SIGTERM);
        }
      }
      (void)loop.process->wait_for(kPoll);
    }
    loop.process->stop(std::chrono::milliseconds(0));
    loop.process->wait();
    if (RunState::Worktree* tree = worktree(loop.item)) {
      tree->status = "stopped";
      tree->pid = 0;
    }
  }
  loops_.clear();
}

void ParallelRun::show_new_records() {
  auto scanned = log_.scan(log_offset_, [this](const meter::IterationRecord& record) {
    if (record.run_id != state_.run_id) return;
    spent_ += record.cost_usd;
    state_.iteration = std::max(state_.iteration, record.iteration);
    deps_.display.iteration_finished(record, spent_, options_.budgets.run);
  });
  if (scanned) log_offset_ = scanned->end_offset;
  state_.spent_usd = spent_;
}

void ParallelRun::write_state(const std::string& status, const std::optional<Halt>& halt) {
  write_state_as(options_.state_path(), state_, status, halt,
                 format_rfc3339(deps_.clock.wall_now()),
                 [this](const std::string& text) { deps_.display.note(text); });
}

Halt ParallelRun::finish(Halt halt) {
  stop_loops();
  if (deps_.sweeper != nullptr) {
    agent::SweepSpec left;
    left.tag = agent::process_tag_prefix(state_.run_id);
    left.tag_prefix = true;
    left.started_after = started_ticks_;
    left.orphans = true;
    left.grace = options_.stop_grace;
    auto strays = deps_.sweeper->sweep(left);
    if (!strays.empty()) deps_.display.note(agent::strays_warning(strays, "the worktrees' loops"));
  }
  show_new_records();
  if (halt.reason != HaltReason::kInterrupted) {
    // The run ended: the worktrees kept for blocked items go; their branches keep the work.
    // Those of items stopped on the way stay for a resume.
    for (auto& tree : state_.worktrees) {
      if (tree.status != "blocked" || !fs::exists(worktree_path(tree.item))) continue;
      (void)deps_.repo.remove_worktree(attempt_name(tree));
    }
  }
  plan::Problems problems;
  if (auto plan = plan::reload_plan(options_.plan, problems)) {
    state_.items_total = static_cast<int>(plan->items.size());
    state_.items_passing = static_cast<int>(plan::passing_ids(*plan).size());
  }
  write_state("halted", halt);
  deps_.display.halted(halt);
  return halt;
}

Halt ParallelRun::run() {
  if (Status s = start_or_resume(); !s) {
    Halt halt{HaltReason::kError, s.message()};
    deps_.display.halted(halt);
    return halt;
  }
  for (;;) {
    if (deps_.interrupts && deps_.interrupts() > 0) {
      return finish(Halt{HaltReason::kInterrupted, "stopped by a signal; `ralph run` resumes"});
    }
    for (size_t i = 0; i < loops_.size();) {
      if (!loops_[i].process->exited()) {
        ++i;
        continue;
      }
      loops_[i].process->wait();
      const std::string item = loops_[i].item;
      loops_.erase(loops_.begin() + static_cast<long>(i));
      show_new_records();
      if (auto halt = loop_ended(item); halt && !pending_) pending_ = halt;
      write_state("running", std::nullopt);
    }
    show_new_records();
    if (pending_) {
      if (loops_.empty()) return finish(*pending_);
    } else {
      plan::Problems problems;
      auto plan = plan::reload_plan(options_.plan, problems);
      if (!plan) {
        pending_ = Halt{HaltReason::kError,
                        fmt::format("the plan is no longer valid: {} (fix it, then run again)",
                                    problems.front().to_string())};
        continue;
      }
      state_.items_total = static_cast<int>(plan->items.size());
      state_.items_passing = static_cast<int>(plan::passing_ids(*plan).size());
      if (state_.items_passing == state_.items_total && loops_.empty()) {
        return finish(
            Halt{HaltReason::kComplete, fmt::format("all {} items in {} pass", state_.items_total,
                                                    options_.plan.display("prd.json"))});
      }
      std::set<std::string> skip;
      for (const auto& loop : loops_) skip.insert(loop.item);
      for (const auto& tree : state_.worktrees) {
        if (tree.status == "blocked") skip.insert(tree.item);
      }
      while (static_cast<int>(loops_.size()) < options_.parallel) {
        const plan::PlanItem* next = plan::next_item(*plan, skip);
        if (next == nullptr) break;
        skip.insert(next->id);
        if (Status s = start_loop(next->id); !s) {
          pending_ = Halt{HaltReason::kError, fmt::format("{}: {}", next->id, s.message())};
          break;
        }
      }
      if (loops_.empty() && !pending_) {
        std::vector<std::string> left;
        for (const auto& tree : state_.worktrees) {
          if (tree.status == "blocked")
            left.push_back(fmt::format("{} ({})", tree.item, tree.detail));
        }
        for (const auto& item : plan->items) {
          if (item.passes || skip.count(item.id)) continue;
          if (const plan::PlanItem* on = plan::unmet_dependency(*plan, item)) {
            left.push_back(fmt::format("{} (it depends on {})", item.id, on->id));
          }
        }
        return finish(Halt{HaltReason::kBlocked,
                           fmt::format("every item left is blocked: {}; raise the limits and run "
                                       "`ralph run --resume`, or start a new run",
                                       fmt::join(left, "; "))});
      }
    }
    (void)pause_unless_interrupted(kPoll);
  }
}

}  // namespace ralph::loop
