#include "loop/runner.hpp"

#include <fmt/format.h>

#include <random>

#include "agent/agent.hpp"
#include "agent/proc_table.hpp"
#include "agent/process.hpp"
#include "git/commit_message.hpp"
#include "loop/agent_session.hpp"
#include "loop/commit_gate.hpp"
#include "meter/price_drift.hpp"
#include "meter/record_costs.hpp"
#include "plan/prompt.hpp"
#include "util/digest.hpp"
#include "util/fs.hpp"

namespace ralph::loop {

namespace fs = std::filesystem;
using meter::IterationRecord;

namespace {
// A live warning, and on_context_warning, when an iteration's context passes this much of its
// model's window (README "Hooks").
constexpr double kContextWarning = 0.8;

LadderOptions ladder_options(const RunOptions& options) {
  LadderOptions out = options.ladder;
  out.model = options.model;
  return out;
}
}  // namespace

std::string new_run_id(const Clock& clock) {
  std::random_device random;
  return fmt::format("{}-{:04x}", format_compact_utc(clock.wall_now()), random() & 0xffff);
}

Runner::Runner(RunOptions options, plan::LoadedPlan loaded, RunnerDeps deps)
    : options_(std::move(options)),
      loaded_(std::move(loaded)),
      deps_(std::move(deps)),
      log_(options_.log_path()),
      budgets_(options_.budgets),
      rules_(options_.halts),
      items_(options_.item_max_iterations),
      anomalies_(options_.anomaly_factor),
      ladder_(ladder_options(options_), loaded_.pricing,
              [this](const plan::PlanItem& item) {
                return plan::auto_start_tier(
                    plan::estimate_complexity(item, loaded_.config.complexity_rules), history_,
                    static_cast<int>(options_.ladder.models.size()));
              }),
      log_guard_(log_, deps_.ledger, options_.run_root().string()),
      hooks_(options_.hooks, deps_.hooks, deps_.display),
      branch_(deps_.vcs, deps_.display, options_.plan.display("ralph.json")) {}

void Runner::note_held_back(const std::vector<std::string>& files) {
  if (files.empty()) return;
  deps_.display.note(
      fmt::format("ralph: warning: not committed, they look like secrets: {} (allow them with "
                  "\"allow_secret_files\" in {})",
                  fmt::join(files, ", "), options_.plan.display("ralph.json")));
}

Halt Runner::run() {
  if (Status s = start_or_resume(); !s) return finish(Halt{HaltReason::kError, s.message()});
  learn_history();
  // A worktree's loop stays on its worktree's branch (README "Running many loops").
  if (!loaded_.plan.branch_name.empty() && !options_.no_commit && !options_.worktree) {
    if (Status s = deps_.vcs.use_branch(loaded_.plan.branch_name); !s) {
      return finish(Halt{HaltReason::kError, s.message()});
    }
  }
  for (;;) {
    plan::Problems problems;
    auto plan = reload(problems);
    if (!plan) {
      return finish(Halt{HaltReason::kError,
                         fmt::format("the plan is no longer valid: {} (fix it, then run again)",
                                     problems.front().to_string())});
    }
    if (options_.worktree && !keep_only(*plan, options_.worktree->item)) {
      return finish(
          Halt{HaltReason::kError, fmt::format("{} is no longer in {}", options_.worktree->item,
                                               options_.plan.display("prd.json"))});
    }
    share_run_spend(0);
    state_.items_total = static_cast<int>(plan->items.size());
    state_.items_passing = static_cast<int>(plan::passing_ids(*plan).size());
    ModelChoice choice;
    const plan::PlanItem* item = choose_item(*plan, choice);
    if (auto halt =
            rules_.before_iteration(*plan, items_.blocked(), items_.unaffordable(),
                                    iterations_this_run_, options_.plan.display("prd.json"))) {
      return finish(*halt);
    }
    if (deps_.interrupts && deps_.interrupts() > 0) {
      return finish(Halt{HaltReason::kInterrupted, "stopped by a signal; `ralph run` resumes"});
    }
    // The calendar caps as they are now (a period may have begun), under the ledger's check.
    auto checked = check_caps(*item);
    if (!checked) {
      if (auto halt = await_ledger(checked.message())) return finish(*halt);
      continue;
    }
    const budget::Start& start = *checked;
    if (!start.ok && start.refused_by == budget::Scope::kItem) {
      block(item->id, start.why);  // its own cap, behind a calendar cap that has reset since
      continue;
    }
    if (!start.ok && start.refused_by && budget::is_calendar(*start.refused_by) &&
        options_.calendar_wait && start.resets_at) {
      // on_calendar_cap "wait": the next period, then on. A minute at a time, each time asking
      // the wall clock again: a machine that slept (the wait's clock stops meanwhile) wakes
      // at most a minute late.
      if (!wait_for(calendar_wait_step(*start.resets_at),
                    fmt::format("calendar cap: {}; waiting", start.why), *start.resets_at)) {
        return finish(Halt{HaltReason::kInterrupted, "stopped by a signal; `ralph run` resumes"});
      }
      continue;
    }
    if (!start.ok) return finish(Halt{HaltReason::kBudget, start.why});
    if (auto usage = ladder_.last_usage(item->id); choice.escalates && usage) {
      // The stronger model's expected cost: the item's last iteration's tokens at its prices.
      auto afford = budgets_.may_afford(item->id, item->budget_usd,
                                        loaded_.pricing.usage_cost(choice.model, *usage),
                                        fmt::format("escalating {} to {}", item->id, choice.model));
      if (!afford.ok && afford.refused_by && budget::is_calendar(*afford.refused_by) &&
          options_.calendar_wait && afford.resets_at) {
        // The next period pays for it: wait, as for any calendar cap, then choose again.
        if (!wait_for(calendar_wait_step(*afford.resets_at),
                      fmt::format("calendar cap: {}; waiting", afford.why), *afford.resets_at)) {
          return finish(Halt{HaltReason::kInterrupted, "stopped by a signal; `ralph run` resumes"});
        }
        continue;
      }
      if (!afford.ok) {
        block(item->id, afford.why, BlockCause::kUnaffordable);
        continue;
      }
    }
    if (budget::PaceDecision paced = pace_window(); paced.wait) {
      // README "Pacing to the 5-hour window": the block resets rather than the iteration being
      // cut short by the subscription's limit. A minute at a time, as for a calendar cap.
      auto until = from_epoch_ms(paced.until_ms);
      if (!wait_for(calendar_wait_step(until), paced.reason + "; waiting", until)) {
        return finish(Halt{HaltReason::kInterrupted, "stopped by a signal; `ralph run` resumes"});
      }
      continue;
    }
    if (auto halt = claim_number()) return finish(*halt);
    IterationResult result = run_iteration(*plan, *item, choice, start.agent_budget);
    if (result.halt) return finish(*result.halt);
    if (result.wait && !wait_for(*result.wait, result.wait_reason)) {
      return finish(Halt{HaltReason::kInterrupted, "stopped by a signal; `ralph run` resumes"});
    }
  }
}

Runner::IterationResult Runner::run_iteration(const plan::Plan& plan, const plan::PlanItem& item,
                                              const ModelChoice& choice,
                                              std::optional<double> agent_budget) {
  IterationResult out;
  IterationRecord& record = out.record;
  const int n = ++last_iteration_;
  ++iterations_this_run_;
  const std::string& model = choice.model;
  record.tier = choice.tier;
  if (options_.worktree) record.worktree = options_.worktree->item;
  record.escalated_from = choice.escalated_from;
  record.model_reason = choice.reason;
  record.complexity = choice.complexity;
  // What the prompt cache's prefix is made of, to explain a cold cache (README "Insights").
  record.prompt_digest = short_digest(loaded_.prompt_template);
  if (auto claude_md = read_file(options_.repo_root / "CLAUDE.md")) {
    record.claude_md_digest = short_digest(*claude_md);
  }
  state_.iteration = n;
  state_.current_item = item.id;
  state_.item_title = item.title;
  state_.tier = choice.tier.value_or(-1);
  state_.escalated_from = choice.escalated_from.value_or("");
  state_.model_reason = choice.reason;
  state_.complexity = choice.complexity.value_or("");
  state_.prompt_digest = record.prompt_digest.value_or("");
  state_.claude_md_digest = record.claude_md_digest.value_or("");
  // A new model is a new chance: the stall count starts afresh (README "Models").
  if (choice.escalates) rules_.fresh_start();
  state_.iteration_started_at = format_rfc3339(deps_.clock.wall_now());
  state_.process_tag = agent::new_process_tag(tag_scope(state_.run_id), n);
  state_.iteration_start_ticks = agent::boot_ticks_now();
  const auto passing_before = plan::passing_ids(plan);
  state_.passing_before.assign(passing_before.begin(), passing_before.end());
  write_state("running", std::nullopt);

  agent::CommandOptions command;
  command.agent = options_.agent;
  command.prompt =
      plan::render_prompt(loaded_.prompt_template,
                          plan::prompt_values(options_.plan.display_dir, item, n, state_.run_id));
  command.model = model;
  command.max_budget_usd = agent_budget;
  command.extra_args = options_.agent_args;
  const fs::path run_dir = options_.runs_dir() / state_.run_id;
  agent::LaunchSpec spec{agent::agent_command(command), options_.repo_root, {}};
  spec.env = {{"RALPH_RUN_ID", state_.run_id},
              {"RALPH_ITERATION", std::to_string(n)},
              {agent::kProcessTagVariable, state_.process_tag}};
  SessionFiles files{run_dir / fmt::format("{}.stream.jsonl", n),
                     run_dir / fmt::format("{}.stderr.log", n), deps_.redact};

  LiveStatus live{
      n, item.id, item.title, model, choice.note, {}, 0, budgets_.run_spent(), options_.budgets.run,
      {}};
  deps_.display.iteration_started(live);
  budgets_.start_iteration(n, item.id, item.budget_usd);
  hooks_.notify(pre_iteration_event(state_.run_id, n, item.id, item.title, model,
                                    budgets_.run_spent(), options_.budgets.run));

  // After the pre_iteration hooks: what they change is not the agent's progress.
  auto head_before = deps_.vcs.head();
  // The work tree before the agent, for progress without commits: the last iteration's walk
  // when nothing but the agent could have changed it since (README "Commits": one walk of the
  // work tree per iteration).
  std::string tree_before;
  if (options_.no_commit) {
    if (!last_tree_.empty() && !hooks_.has("pre_iteration")) {
      tree_before = last_tree_;
    } else if (auto id = deps_.vcs.worktree_id()) {
      tree_before = *id;
    }
  }

  meter::StreamMeter meter(loaded_.pricing);
  SessionLimits limits;
  limits.timeout = options_.iteration_timeout;
  limits.idle_timeout = options_.idle_timeout;
  limits.result_grace = options_.result_grace;
  limits.budgets = &budgets_;
  limits.stop_grace = options_.stop_grace;
  // Anomalies (README "Anomalies"): the running iteration against the run's usual, live; its
  // cost against the iterations on its model (the one asked for until the agent names it).
  const std::string asked_model =
      priced_name(model.empty() ? loaded_.pricing.default_model() : model);
  auto running_model = [&] {
    return meter.model().empty() ? asked_model : priced_name(meter.model());
  };
  anomalies_.start_iteration();
  auto flag = [&](const meter::IterationFigures& figures, bool live) {
    for (const auto& anomaly : anomalies_.check(figures, live)) {
      deps_.display.note(fmt::format(
          "ralph: warning: iteration {} on {} is an anomaly: {} ({} against a median of {}){}", n,
          item.id, anomaly.text, meter::anomaly_value_text(anomaly.metric, anomaly.value),
          meter::anomaly_value_text(anomaly.metric, anomaly.median),
          options_.halt_on_anomaly ? "; halt_on_anomaly: stopping the run" : ""));
      hooks_.notify(anomaly_event(state_.run_id, n, item.id, anomaly.metric, anomaly.value,
                                  anomaly.median, anomaly.text, options_.halt_on_anomaly));
    }
  };
  auto live_figures = [&] {
    return meter::IterationFigures{meter.live_cost(), static_cast<double>(meter.turns()),
                                   static_cast<double>(meter.live_usage().output_tokens),
                                   running_model()};
  };
  if (options_.halt_on_anomaly) {
    limits.halt_now = [&]() -> std::optional<std::string> {
      flag(live_figures(), true);
      if (anomalies_.flagged().empty()) return std::nullopt;
      return fmt::format("iteration {} is an anomaly: {}", n, anomalies_.flagged().front().text);
    };
  }
  const auto started_wall = deps_.clock.wall_now();
  const auto started = deps_.clock.steady_now();
  SessionHooks hooks;
  hooks.interrupts = deps_.interrupts;
  int agent_pid = 0;
  hooks.sweep = [&](std::chrono::milliseconds grace) {
    agent::SweepSpec spec;
    spec.tag = state_.process_tag;
    spec.started_after = state_.iteration_start_ticks;
    if (agent_pid > 0) {
      spec.groups = {agent_pid};  // not reaped yet: its group id is still its own
      spec.keep = {agent_pid};
    }
    spec.orphans = true;
    spec.grace = grace;
    spec.hurry = [this] { return deps_.interrupts && deps_.interrupts() > 1; };
    return sweep(spec, "the agent");
  };
  hooks.started = [this, &agent_pid](int pid) {
    if (pid <= 0) return;
    agent_pid = pid;
    state_.agent_pid = pid;
    state_.agent_start_ticks = agent::process_start_ticks(pid).value_or(0);
    write_state("running", std::nullopt);
  };
  auto calendar_read = deps_.clock.steady_now();
  hooks.before_check = [&](double live_cost) {
    share_run_spend(live_cost);  // a worktree's: the run's cap counts every worktree's
    if (deps_.ledger == nullptr) return;
    // What this iteration spends, for the other loops' calendar caps, as soon as it is
    // metered; and theirs, for ours, read at most every 100 ms.
    deps_.ledger->publish_live(options_.run_root().string(), state_.run_id,
                               std::max(live_cost, reserved_), /*may_connect=*/false);
    if (zone_ && deps_.clock.steady_now() - calendar_read >= std::chrono::milliseconds(100)) {
      (void)refresh_calendar(true);  // a read that fails keeps the last figures
      calendar_read = deps_.clock.steady_now();
    }
  };
  bool context_warned = false;  // once per iteration
  auto check_context = [&] {
    auto fill = meter.peak_context();
    if (context_warned || !fill || fill->fraction < kContextWarning) return;
    context_warned = true;
    deps_.display.note(fmt::format(
        "ralph: warning: iteration {}'s context is {:.0f}% full ({} of {} tokens); {} may be too "
        "big for one iteration",
        n, fill->fraction * 100, fill->tokens, fill->window, item.id));
    hooks_.notify(context_warning_event(state_.run_id, n, item.id,
                                        meter.model().empty() ? model : meter.model(),
                                        fill->fraction, fill->tokens, fill->window));
  };
  hooks.progress = [&] {
    if (deps_.sweeper != nullptr) agent::reap_ended_children(agent_pid);
    check_context();
    flag(live_figures(), true);
    live.model = meter.model().empty() ? model : meter.model();
    live.usage = meter.live_usage();
    live.iteration_cost = meter.live_cost();
    live.run_cost = budgets_.run_spent() + meter.live_cost();
    live.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.steady_now() - started);
    deps_.display.live(live);
    report(budgets_.warnings(live.iteration_cost), n);
  };
  SessionOutcome session =
      run_agent_session(deps_.launcher, spec, files, meter, limits, deps_.clock, hooks);

  state_.agent_pid = 0;
  state_.agent_start_ticks = 0;
  record.run_id = state_.run_id;
  record.iteration = n;
  record.started_at = format_rfc3339(started_wall);
  record.ended_at = format_rfc3339(deps_.clock.wall_now());
  record.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.steady_now() - started)
          .count();
  record.item_id = item.id;
  record.model = meter.model();
  meter::fill_costs(record, meter);
  check_context();  // a turn after the last progress, or the agent's own window
  if (record.model.empty()) record.model = model;
  if (const auto& result = meter.result()) {
    // The caps enforce the meter's figure: say so when it is not Claude Code's.
    for (const auto& line : meter::drift_warnings(
             meter::price_drift(*result, meter.live_by_model(), loaded_.pricing), record.cost_usd,
             record.metered_cost_usd.value_or(0), n, options_.plan.display("ralph.json"))) {
      deps_.display.note(line);
    }
  }
  record.outcome = record_outcome(session, meter);
  meter::IterationFigures final_figures = meter::figures_of(record);
  final_figures.model = running_model();
  flag(final_figures, false);  // the record's figures: the agent's own cost, say
  for (const auto& anomaly : anomalies_.flagged()) record.anomalies.push_back(anomaly.text);
  record.claimed_complete = meter.claimed_complete();
  record.exit_code = session.exit_code;
  record.stray_processes = static_cast<int>(session.strays.size());
  record.lingered = session.lingered;
  if (session.lingered) {
    deps_.display.note(
        fmt::format("ralph: warning: {}; stopped it (raise \"result_grace\" in {} "
                    "if it needs longer to finish after its result)",
                    session.detail, options_.plan.display("ralph.json")));
  } else if (session.stopped == StopCause::kIdle) {
    deps_.display.note(
        fmt::format("ralph: iteration {} stopped: the agent was {} (a long silent "
                    "tool command, such as a slow test suite, needs a larger "
                    "--idle-timeout)",
                    n, session.detail));
  }

  plan::Problems problems;
  if (auto after = reload(problems)) {
    for (const auto& id : plan::passing_ids(*after)) {
      if (!passing_before.count(id)) record.items_completed.push_back(id);
    }
  }

  IterationEnd end;
  auto head_after = deps_.vcs.head();
  if (head_before && head_after) {
    if (auto commits = deps_.vcs.commits_between(*head_before, *head_after)) {
      record.agent_commits = *commits;
    }
  }
  if (!options_.no_commit) record.history_rewritten = branch_.keep();
  if (!options_.no_commit &&
      !pass_commit_gate(hooks_, deps_.vcs, options_.plan, deps_.display, record)) {
    out.rejected = true;
  } else if (!options_.no_commit) {
    auto commit = deps_.vcs.commit_all(redact(git::commit_message(record, item.title)));
    if (commit) {
      record.commit = commit->commit;
      note_held_back(commit->held_back);
      if (record.commit) {
        branch_.pin(n, *record.commit, true);
      } else if (!record.agent_commits.empty()) {
        branch_.pin(n, record.agent_commits.back(), false);  // the agent committed it itself
      }
    } else {
      end.commit_failure = commit.message();
    }
    out.changed_files = record.commit.has_value() || !record.agent_commits.empty();
  } else {
    auto tree_after = deps_.vcs.worktree_id();
    out.changed_files = !record.agent_commits.empty() || !tree_after || *tree_after != tree_before;
    last_tree_ = tree_after ? *tree_after : std::string();
  }

  // How the loop counts it, kept in the record so a resume counts it the same way. An iteration
  // the agent could not work in (a signal, a usage limit, no agent) is not one of the item's
  // tries.
  record.progress = !out.rejected && (out.changed_files || !record.items_completed.empty());
  record.item_try =
      session.stopped != StopCause::kInterrupted && !meter.usage_limit() && !session.launch_error;
  if (Status s = append_record(record); !s) {
    out.halt = Halt{HaltReason::kError, "cannot write the cost log: " + s.message()};
    return out;
  }
  // Thresholds passed since the last live check are reported here, once.
  report(budgets_.warnings(record.cost_usd), n);
  auto used_up = budgets_.finish_iteration(record.cost_usd, session.budget);
  if (*record.item_try) {
    items_.count(item.id);
    ladder_.count(item.id, record, without_progress(record));
    anomalies_.add(record, final_figures.model);
  }
  totals_.add(record.usage, record.cost_usd);
  state_.spent_usd = budgets_.run_spent();
  deps_.display.iteration_finished(record, budgets_.run_spent(), options_.budgets.run);
  if (record.claimed_complete && record.items_completed.empty() && !item.passes && !out.rejected) {
    deps_.display.note(
        fmt::format("ralph: the agent claimed completion, but {} still fails in {}; going on",
                    item.id, options_.plan.display("prd.json")));
  }
  const bool item_passes = std::find(record.items_completed.begin(), record.items_completed.end(),
                                     item.id) != record.items_completed.end();
  if (used_up && used_up->scope == budget::Scope::kItem && !item_passes) {
    block(item.id, used_up->detail);
  }
  state_.iteration_started_at.clear();  // recorded: nothing left to recover
  write_state("running", std::nullopt);
  hooks_.notify(post_iteration_event(record, totals_));

  end.history_rewritten = record.history_rewritten;
  end.halt_on_history_rewrite = options_.halt_on_history_rewrite;
  end.interrupted = session.stopped == StopCause::kInterrupted;
  end.launch_error = session.launch_error;
  if (session.stopped == StopCause::kFatal) end.fatal = session.detail;
  if (options_.halt_on_anomaly && !anomalies_.flagged().empty()) {
    const fs::path stream =
        (run_dir / fmt::format("{}.stream.jsonl", n)).lexically_relative(options_.run_root());
    end.anomaly = fmt::format(
        "iteration {} on {} is an anomaly: {} (halt_on_anomaly); see {}, then `ralph run "
        "--resume` to go on",
        n, item.id, fmt::join(record.anomalies, ", "), stream.string());
  }
  if (used_up && (used_up->scope == budget::Scope::kRun ||
                  (budget::is_calendar(used_up->scope) && !options_.calendar_wait))) {
    end.budget_spent = used_up->detail;
  }
  out.halt = rules_.after_iteration(end, branch_.name(), state_.run_id);
  if (out.halt) return out;

  AfterFailure failure;
  if (const auto& limit = meter.usage_limit()) {
    std::optional<std::chrono::system_clock::time_point> resets_at;
    if (limit->resets_at) {
      resets_at = std::chrono::system_clock::time_point(std::chrono::seconds(*limit->resets_at));
    }
    failure = rules_.usage_limit(resets_at, deps_.clock.wall_now());
  } else {
    const fs::path stderr_log =
        (run_dir / fmt::format("{}.stderr.log", n)).lexically_relative(options_.run_root());
    failure = rules_.after_outcome(record.outcome, record.exit_code, stderr_log.string());
  }
  out.halt = failure.halt;
  out.wait = failure.wait;
  out.wait_reason = failure.reason;
  if (out.halt || meter.usage_limit()) return out;  // a usage limit is no stall
  out.halt = rules_.after_progress(*record.progress);
  return out;
}

}  // namespace ralph::loop
