// The runner's side of money and waiting (README "Budgets"): records go to the cost log and the
// user-level ledger, the calendar caps learn what every loop spent, budget warnings reach the
// display and the hooks, and waits show in state.json; a worktree's loop shares its spend and
// its iteration numbers with the run's other worktrees (README "Items side by side").
#include <fmt/format.h>

#include <algorithm>

#include "loop/runner.hpp"
#include "util/clock.hpp"

namespace ralph::loop {

Status Runner::append_record(const meter::IterationRecord& record) {
  if (auto warning = log_guard_.check()) deps_.display.note(*warning);
  if (Status s = log_.append(record); !s) return s;
  log_guard_.mark();
  if (deps_.ledger != nullptr) {
    if (Status s = deps_.ledger->append(options_.run_root().string(), record); !s) {
      deps_.display.note("ralph: warning: " + s.message() +
                         " (the daily, weekly and monthly caps do not count this iteration)");
    }
    reserved_ = 0;  // the record counts now
    deps_.ledger->publish_live(options_.run_root().string(), state_.run_id, 0);
    if (auto note = deps_.ledger->take_note()) deps_.display.note(*note);
  }
  return ok_status();
}

void Runner::share_run_spend(double live) {
  if (!pool_) return;
  const std::string& item = options_.worktree->item;
  pool_->publish(item, budgets_.run_own_spent() + live);
  budgets_.set_run_elsewhere(pool_->spent_except(item));
}

std::optional<Halt> Runner::claim_number() {
  if (!pool_) return std::nullopt;
  auto claimed = pool_->claim_iteration(options_.halts.max_iterations);
  if (!claimed) return Halt{HaltReason::kError, claimed.message()};
  if (!*claimed) {
    return Halt{HaltReason::kMaxIterations,
                fmt::format("the run started its {} iterations (raise --max-iterations to go on)",
                            options_.halts.max_iterations)};
  }
  last_iteration_ = **claimed - 1;
  return std::nullopt;
}

Status Runner::refresh_calendar(bool running) {
  if (deps_.ledger == nullptr || !zone_) return ok_status();
  Status read = deps_.ledger->refresh(!running);
  if (auto note = deps_.ledger->take_note()) deps_.display.note(*note);
  if (!read) return read;
  ledger_down_since_.reset();
  const double others = deps_.ledger->others_live();
  const auto now = deps_.clock.wall_now();
  for (auto scope : {budget::Scope::kDay, budget::Scope::kWeek, budget::Scope::kMonth}) {
    budget::Span span = zone_->span(scope, now);
    budgets_.set_calendar(scope, deps_.ledger->spent(span.start, span.end) + others,
                          zone_->label(scope, now), span.end, zone_->local_text(span.end));
  }
  return ok_status();
}

Result<budget::Start> Runner::check_caps(const plan::PlanItem& item) {
  const bool calendar = deps_.ledger != nullptr && zone_.has_value();
  // One loop of the ledger checks at a time: what this one reserves is seen by the next one's
  // check, so two loops cannot both start on the last of a cap (README "A shared ledger in
  // PostgreSQL"). The reservation is the run's cheapest iteration so far, what the caps refuse
  // to start with less left; it is replaced by the live cost once that is more, and goes when
  // the iteration's record counts.
  budget::Ledger::Check check(calendar ? deps_.ledger : nullptr);
  if (Status s = refresh_calendar(); !s) return s.error();
  if (calendar && !check.held()) {
    return make_error(
        fmt::format("cannot lock the ledger {} for a cap check", deps_.ledger->where()));
  }
  budget::Start start = budgets_.may_start(item.id, item.budget_usd);
  // The connection to a shared ledger is made again here, before the agent starts, if it was
  // lost: while the agent runs it is not (Ledger::refresh).
  if (deps_.ledger != nullptr && !calendar) {
    (void)deps_.ledger->publish_live(options_.run_root().string(), state_.run_id, 0);
  }
  if (calendar) {
    reserved_ = start.ok ? budgets_.cheapest().value_or(0) : 0;
    if (!deps_.ledger->publish_live(options_.run_root().string(), state_.run_id, reserved_)) {
      return make_error(fmt::format("cannot publish this loop's reservation to the ledger {}",
                                    deps_.ledger->where()));
    }
  }
  return start;
}

std::optional<Halt> Runner::await_ledger(const std::string& why) {
  if (deps_.ledger == nullptr || !deps_.ledger->shared()) {
    return Halt{HaltReason::kError, why + " (the daily, weekly and monthly caps need it)"};
  }
  const auto now = deps_.clock.steady_now();
  if (!ledger_down_since_) ledger_down_since_ = now;
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - *ledger_down_since_);
  if (waited >= options_.halts.max_wait) {
    return Halt{HaltReason::kError,
                fmt::format("{}; no answer for {} s, the most --max-wait ({} s) allows, and no "
                            "iteration starts without the daily, weekly and monthly caps",
                            why, waited.count(), options_.halts.max_wait.count())};
  }
  // The records wait in the outbox meanwhile; the caps cannot be checked, so nothing starts.
  if (!wait_for(std::chrono::seconds(5),
                fmt::format("the ledger {} does not answer, and the daily, weekly and monthly "
                            "caps need it; waiting",
                            deps_.ledger->where()))) {
    return Halt{HaltReason::kInterrupted, "stopped by a signal; `ralph run` resumes"};
  }
  return std::nullopt;
}

std::chrono::milliseconds Runner::calendar_wait_step(
    std::chrono::system_clock::time_point resets_at) const {
  auto wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(resets_at - deps_.clock.wall_now()) +
      std::chrono::seconds(1);
  return std::clamp<std::chrono::milliseconds>(wait, std::chrono::seconds(1),
                                               std::chrono::seconds(60));
}

budget::PaceDecision Runner::pace_window() {
  if (!options_.block_limit || !deps_.window) return {};
  const int64_t now_ms = epoch_ms(deps_.clock.wall_now());
  budget::WindowView view = deps_.window(now_ms);
  const int64_t limit = budget::limit_tokens(*options_.block_limit, view);
  const int64_t mean =
      totals_.iterations > 0 ? totals_.usage.total_tokens() / totals_.iterations : 0;
  auto when = [&](int64_t ms) {
    return zone_ ? zone_->local_text(from_epoch_ms(ms)) : format_rfc3339(from_epoch_ms(ms));
  };
  budget::PaceDecision decision = budget::pace(view.active, mean, limit, now_ms, when);
  RunState::Window window;
  window.limit = limit;
  if (view.active) {
    window.tokens = view.active->total_tokens();
    window.resets_at = format_rfc3339(from_epoch_ms(view.active->end_ms));
  }
  state_.window = window;
  if (!decision.wait && !decision.reason.empty() && decision.reason != pace_note_) {
    deps_.display.note(decision.reason);
  }
  pace_note_ = decision.reason;
  return decision;
}

bool Runner::wait_for(std::chrono::milliseconds duration, const std::string& why,
                      std::optional<std::chrono::system_clock::time_point> until) {
  if (!deps_.wait) return true;
  state_.waiting_until = format_rfc3339(until ? *until : deps_.clock.wall_now() + duration);
  write_state("running", std::nullopt);
  bool waited = deps_.wait(duration, why);
  state_.waiting_until.clear();
  return waited;
}

void Runner::report(const std::vector<budget::Warning>& warnings, int iteration) {
  for (const auto& warning : warnings) {
    deps_.display.note(warning.line);
    hooks_.notify(budget_warning_event(state_.run_id, iteration, budget::scope_name(warning.scope),
                                       warning.threshold, warning.spent, warning.limit));
  }
}

}  // namespace ralph::loop
