#include "report/run_status.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "loop/display.hpp"
#include "loop/halt.hpp"
#include "loop/lock.hpp"
#include "plan/prd.hpp"
#include "report/cost_table.hpp"
#include "util/clock.hpp"
#include "util/file_lines.hpp"

namespace ralph::report {

namespace {

PlanProgress read_progress(const plan::PlanFolder& folder, const std::optional<plan::Plan>& plan,
                           const plan::Problems& problems) {
  PlanProgress progress;
  progress.file = folder.display("prd.json");
  if (!plan) {
    progress.problem = problems.empty() ? "cannot be read" : problems.front().to_string();
    return progress;
  }
  progress.items_total = static_cast<int>(plan->items.size());
  progress.items_passing = static_cast<int>(plan::passing_ids(*plan).size());
  if (const auto* next = plan::next_item(*plan)) {
    progress.next_id = next->id;
    progress.next_title = next->title;
  }
  return progress;
}

nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

std::string run_condition(const StatusReport& report) {
  if (!report.run) return "none";
  if (report.run->status != "running") return "halted";
  if (!report.active) return "stale";
  return report.run->waiting_until.empty() ? "running" : "waiting";
}

std::string progress_bar(double fraction, int width) {
  double clamped = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
  int filled = static_cast<int>(std::lround(clamped * width));
  return "[" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
}

namespace {

nlohmann::json crowded_json(const RunSums& sums) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [id, fill] : sums.crowded_items) {
    items.push_back(
        {{"id", id}, {"peak_context_fraction", fill.first}, {"compactions", fill.second}});
  }
  return items;
}

// A run of items side by side (README "Running many loops"): each item's worktree.
nlohmann::json worktrees_json(const loop::RunState& s) {
  nlohmann::json trees = nlohmann::json::array();
  for (const auto& w : s.worktrees) {
    trees.push_back({{"item", w.item},
                     {"status", w.status},
                     {"path", w.path},
                     {"branch", w.branch},
                     {"attempt", w.attempt},
                     {"pid", w.status == "running" ? nlohmann::json(w.pid) : nlohmann::json()},
                     {"conflicts", w.conflicts},
                     {"detail", w.detail}});
  }
  return trees;
}

// One line for a worktree that is not merged yet.
std::string worktree_line(const loop::RunState::Worktree& w) {
  std::string what = w.status == "running" ? fmt::format("running (pid {})", w.pid) : w.status;
  if (w.status == "conflict" || (!w.conflicts.empty() && w.status == "running")) {
    what += fmt::format(" (its merge conflicted in {})", fmt::join(w.conflicts, ", "));
  }
  if (w.status == "blocked" && !w.detail.empty()) what += ": " + w.detail;
  return fmt::format("{} {} on {} in {}{}", w.item, what, w.branch, w.path,
                     w.attempt > 1 ? fmt::format(", try {}", w.attempt) : "");
}

nlohmann::json blocked_json(const loop::RunState& s) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [id, why] : s.blocked_items) items.push_back({{"id", id}, {"reason", why}});
  return items;
}

}  // namespace

nlohmann::json to_json(const StatusReport& r) {
  nlohmann::json plan{{"file", r.plan.file},
                      {"items_total", r.plan.items_total},
                      {"items_passing", r.plan.items_passing},
                      {"next_item", nullptr}};
  if (r.plan.next_id) plan["next_item"] = {{"id", *r.plan.next_id}, {"title", r.plan.next_title}};
  if (!r.plan.problem.empty()) plan["problem"] = r.plan.problem;

  nlohmann::json run = nullptr;
  nlohmann::json spend = nullptr;
  if (r.run) {
    const auto& s = *r.run;
    auto reason = loop::halt_from_name(s.halt_reason);
    run = {{"run_id", s.run_id},
           {"state", run_condition(r)},
           {"active", r.active},
           {"halt_reason", s.status == "running" || s.halt_reason.empty()
                               ? nlohmann::json(nullptr)
                               : nlohmann::json(s.halt_reason)},
           {"halt_detail", s.status == "running" ? "" : s.halt_detail},
           {"exit_code", s.status != "running" && reason ? nlohmann::json(loop::exit_code(*reason))
                                                         : nlohmann::json(nullptr)},
           {"iteration", s.iteration},
           {"iterations_recorded", r.sums.totals.iterations},
           {"history_rewrites", r.sums.history_rewrites},
           {"blocked_items", blocked_json(s)},
           {"parallel", s.parallel > 0 ? nlohmann::json(s.parallel) : nlohmann::json()},
           {"worktrees", worktrees_json(s)},
           {"crowded_items", crowded_json(r.sums)},
           {"current_item", s.status == "running" && !s.current_item.empty()
                                ? nlohmann::json(s.current_item)
                                : nlohmann::json(nullptr)},
           // The running iteration's model on the ladder (README "Models"), and why.
           {"current_model_reason", s.status == "running" && !s.model_reason.empty()
                                        ? nlohmann::json(s.model_reason)
                                        : nlohmann::json(nullptr)},
           {"current_tier", s.status == "running" && s.tier >= 0 ? nlohmann::json(s.tier)
                                                                 : nlohmann::json(nullptr)},
           {"started_at", s.started_at},
           {"updated_at", s.updated_at},
           {"waiting_until",
            s.waiting_until.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.waiting_until)},
           {"window", loop::window_json(s)},
           {"pid", s.pid}};
    spend = {{"cost_usd", r.sums.totals.cost_usd},
             {"budget_usd", optional_number(s.budget_usd)},
             {"remaining_usd",
              s.budget_usd ? nlohmann::json(std::max(0.0, *s.budget_usd - r.sums.totals.cost_usd))
                           : nlohmann::json(nullptr)},
             {"fraction_of_budget", s.budget_usd && *s.budget_usd > 0
                                        ? nlohmann::json(r.sums.totals.cost_usd / *s.budget_usd)
                                        : nlohmann::json(nullptr)}};
    meter::write_usage(r.sums.totals.usage, spend);
    spend["cache_hit_ratio"] = r.sums.totals.usage.cache_hit_ratio();
    spend["in_flight"] = nullptr;
    if (r.in_flight) {
      nlohmann::json live{{"iteration", r.in_flight->iteration},
                          {"item_id", r.in_flight->item_id},
                          {"cost_usd", r.in_flight->cost_usd},
                          {"turns", r.in_flight->turns}};
      meter::write_usage(r.in_flight->usage, live);
      spend["in_flight"] = live;
    }
  }
  return {{"plan", plan},
          {"run", run},
          {"spend", spend},
          {"projection", r.projection ? to_json(*r.projection) : nlohmann::json(nullptr)},
          {"forecast", r.forecast ? to_json(*r.forecast) : nlohmann::json(nullptr)}};
}

std::string status_text(const StatusReport& r) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& text) {
    out += fmt::format("{:<11}{}\n", label, text);
  };
  if (!r.plan.problem.empty()) {
    line("plan", r.plan.problem);
  } else {
    std::string next =
        r.plan.next_id ? fmt::format("; next: {} {}", *r.plan.next_id, r.plan.next_title) : "";
    line("plan", fmt::format("{}: {} of {} items pass{}", r.plan.file, r.plan.items_passing,
                             r.plan.items_total, next));
  }
  if (!r.run) {
    line("run", "none yet (start one with `ralph run`)");
  } else {
    const auto& s = *r.run;
    std::string condition = run_condition(r);
    std::string what;
    if (condition == "running" && s.parallel > 0) {
      int running = 0;
      for (const auto& w : s.worktrees) running += w.status == "running" ? 1 : 0;
      what = fmt::format("running (pid {}): {} item{} side by side (at most {})", s.pid, running,
                         running == 1 ? "" : "s", s.parallel);
    } else if (condition == "running") {
      what = fmt::format("running (pid {}): iteration {} on {}", s.pid, s.iteration,
                         s.current_item.empty() ? "-" : s.current_item);
      if (!s.iteration_started_at.empty()) what += fmt::format(" since {}", s.iteration_started_at);
      if (s.tier >= 0) what += fmt::format(" on tier {} ({})", s.tier, s.model_reason);
    } else if (condition == "waiting") {
      what = fmt::format(
          "running (pid {}): waiting until {} (a usage limit's reset, a calendar cap's next "
          "period, or a back-off after a failure)",
          s.pid, s.waiting_until);
    } else if (condition == "stale") {
      what = "stopped without a halt (ralph crashed or was killed); `ralph run` resumes it";
    } else {
      auto reason = loop::halt_from_name(s.halt_reason);
      what = fmt::format("halted: {} (exit {}){}", s.halt_reason,
                         reason ? loop::exit_code(*reason) : 1,
                         s.halt_detail.empty() ? "" : ": " + s.halt_detail);
    }
    line("run", fmt::format("{} {}", s.run_id, what));
    std::string last;
    if (r.sums.last) {
      const auto& l = *r.sums.last;
      last = fmt::format("; last: iteration {} ({}) {}", l.iteration, l.item_id.value_or("-"),
                         l.outcome);
    }
    line("", fmt::format("{} iteration{} recorded, started {}{}", r.sums.totals.iterations,
                         r.sums.totals.iterations == 1 ? "" : "s", s.started_at, last));
    if (!r.sums.history_rewrites.empty()) {
      line("history",
           fmt::format("the agent rewrote the branch in iteration{} {}; ralph's commits are kept "
                       "(git for-each-ref refs/ralph/{}/)",
                       r.sums.history_rewrites.size() == 1 ? "" : "s",
                       fmt::join(r.sums.history_rewrites, ", "), s.run_id));
    }
    for (const auto& [id, why] : s.blocked_items) {
      line("blocked", fmt::format("{}: {}", id, why));
    }
    int merged = 0;
    for (const auto& w : s.worktrees) {
      if (w.status == "merged") {
        ++merged;
      } else {
        line("worktree", worktree_line(w));
      }
    }
    if (merged > 0) {
      line("merged",
           fmt::format("{} item{} merged into {}", merged, merged == 1 ? "" : "s", s.branch));
    }
    if (s.window && s.window->limit > 0) {
      // README "Pacing to the 5-hour window".
      const auto& w = *s.window;
      double fraction = static_cast<double>(w.tokens) / static_cast<double>(w.limit);
      line("block", w.resets_at.empty()
                        ? fmt::format("no 5-hour block active; limit {} tokens", grouped(w.limit))
                        : fmt::format("{} of {} tokens {} {:.1f}%, resets {}", grouped(w.tokens),
                                      grouped(w.limit), progress_bar(std::min(fraction, 1.0), 20),
                                      fraction * 100, w.resets_at));
    }
    for (const auto& [id, fill] : r.sums.crowded_items) {
      line("context",
           fmt::format("{}'s iterations filled {:.0f}% of the context window{}: consider splitting "
                       "it into smaller items",
                       id, fill.first * 100,
                       fill.second > 0 ? fmt::format(" and compacted it {} time{}", fill.second,
                                                     fill.second == 1 ? "" : "s")
                                       : ""));
    }
    const auto& u = r.sums.totals.usage;
    std::string tokens =
        fmt::format("tokens in {} out {} cache write {} read {} (cache hit {})",
                    loop::human_tokens(u.input_tokens), loop::human_tokens(u.output_tokens),
                    loop::human_tokens(u.cache_creation_input_tokens),
                    loop::human_tokens(u.cache_read_input_tokens),
                    percent(u.cache_hit_ratio(), u.context_tokens() > 0));
    // The bar counts the running iteration too: it is money spent, if not yet recorded.
    double live = r.in_flight ? r.in_flight->cost_usd : 0;
    std::string in_flight =
        r.in_flight ? fmt::format(", ${:.4f} of it in iteration {} (running, {} turn{})", live,
                                  r.in_flight->iteration, r.in_flight->turns,
                                  r.in_flight->turns == 1 ? "" : "s")
                    : "";
    if (s.budget_usd && *s.budget_usd > 0) {
      double fraction = (r.sums.totals.cost_usd + live) / *s.budget_usd;
      line("spend",
           fmt::format("${:.4f} of ${:.2f} {} {:.1f}%{}", r.sums.totals.cost_usd + live,
                       *s.budget_usd, progress_bar(fraction, 20), fraction * 100, in_flight));
    } else {
      line("spend",
           fmt::format("${:.4f} (no budget set){}", r.sums.totals.cost_usd + live, in_flight));
    }
    line("", tokens);
  }
  if (r.projection) line("projection", projection_text(*r.projection));
  if (r.forecast) {
    auto lines = forecast_lines(*r.forecast, std::chrono::system_clock::now());
    for (size_t i = 0; i < lines.size(); ++i) line(i == 0 ? "forecast" : "", lines[i]);
  }
  if (r.skipped_lines > 0) {
    line("note", fmt::format("{} unreadable line{} in .ralph/iterations.jsonl skipped",
                             r.skipped_lines, r.skipped_lines == 1 ? "" : "s"));
  }
  return out;
}

StatusSource::StatusSource(std::filesystem::path state_dir, plan::PlanFolder plan)
    : state_dir_(std::move(state_dir)),
      plan_(std::move(plan)),
      log_(state_dir_ / "iterations.jsonl"),
      pricing_(meter::PricingTable::builtin()) {
  // The run's prices: ralph.json's overrides when the plan folder loads, else the table's.
  plan::Problems problems;
  if (auto loaded = plan::load_plan_folder(plan_, problems)) {
    pricing_ = loaded->pricing;
    settings_ = loaded->config.settings;
  }
  ledger_ = budget::Ledger::open(settings_.text("ledger"),
                                 [](const char* name) { return std::getenv(name); });
}

void StatusSource::meter_in_flight(const loop::RunState& state, StatusReport& report) {
  if (state.status != "running" || state.iteration_started_at.empty() || !report.active) {
    live_meter_.reset();
    live_stream_.clear();
    return;
  }
  const auto stream =
      state_dir_ / "runs" / state.run_id / fmt::format("{}.stream.jsonl", state.iteration);
  if (!live_meter_ || live_stream_ != stream.string()) {
    live_meter_ = std::make_unique<meter::StreamMeter>(pricing_);
    live_stream_ = stream.string();
    live_offset_ = 0;
  }
  auto read = read_lines_from(stream, live_offset_, 0,
                              [this](std::string_view line) { live_meter_->feed(line); });
  if (read) live_offset_ = read->end_offset;  // unreadable now: maybe at the next refresh
  report.in_flight = InFlight{state.iteration, state.current_item, live_meter_->live_cost(),
                              live_meter_->live_usage(), live_meter_->turns()};
}

Result<StatusReport> StatusSource::refresh() {
  // Only the shown run's forecast is built (two timestamps read a record): state.json's run,
  // or every run's while there has been no state file. Should the shown run change (a new
  // run started, or started while this one was read), the log is read again from the start.
  for (int attempt = 0;; ++attempt) {
    auto state = loop::read_state(state_dir_ / "state.json");
    const std::string shown = state ? state->run_id : "";
    if (!shown.empty() && forecast_run_ != shown) {
      if (!forecast_run_.empty()) {  // built for another run only: start over
        runs_.clear();
        projection_ = ProjectionBuilder();
        offset_ = 0;
        skipped_lines_ = 0;
        newest_run_.clear();
      }
      forecast_run_ = shown;  // a state file briefly unreadable changes nothing
    }
    auto report = read_and_report();
    if (!report || !report->run || shown.empty() || report->run->run_id == shown || attempt > 0) {
      return report;
    }
  }
}

Result<StatusReport> StatusSource::read_and_report() {
  RunSums* sums = nullptr;  // the last record's run: a log's records come run after run
  auto scanned = log_.scan_views(offset_, [&](const meter::RecordView& record) {
    if (!sums || newest_run_ != record.run_id) {
      auto it = runs_.find(record.run_id);
      if (it == runs_.end()) it = runs_.emplace(std::string(record.run_id), RunSums{}).first;
      sums = &it->second;
      newest_run_ = record.run_id;
    }
    sums->totals.add(record.usage, record.cost_usd);
    LastIteration& last = sums->last ? *sums->last : sums->last.emplace();
    last.iteration = record.iteration;
    if (record.item_id) {
      last.item_id.emplace(*record.item_id);
    } else {
      last.item_id.reset();
    }
    last.outcome.assign(record.outcome);
    if (forecast_run_.empty() || record.run_id == forecast_run_) sums->forecast.add(record);
    double fill = record.peak_context_fraction.value_or(0);
    if (record.item_id && (record.compactions > 0 || fill >= 0.8)) {
      auto& [fullest, compactions] = sums->crowded_items[std::string(*record.item_id)];
      fullest = std::max(fullest, fill);
      compactions += record.compactions;
    }
    if (record.history_rewritten) sums->history_rewrites.push_back(record.iteration);
    projection_.add(record);
  });
  if (!scanned) return scanned.error();
  offset_ = scanned->end_offset;
  skipped_lines_ += scanned->skipped_lines;

  StatusReport report;
  report.skipped_lines = skipped_lines_;
  plan::Problems problems;
  auto plan = plan::reload_plan(plan_, problems);
  report.plan = read_progress(plan_, plan, problems);
  report.run = loop::read_state(state_dir_ / "state.json");
  if (!report.run && !newest_run_.empty()) {  // a log without a state file: the newest run
    loop::RunState state;
    state.run_id = newest_run_;
    state.status = "halted";
    report.run = state;
  }
  if (report.run) {
    report.active = loop::lock_is_held(state_dir_ / "lock");
    // A ralph writes its halt before it lets go of the lock: a state still "running" without
    // a lock may have been read just before the halt was written. Read it once more.
    if (!report.active && report.run->status == "running") {
      if (auto again = loop::read_state(state_dir_ / "state.json")) report.run = again;
    }
    if (auto it = runs_.find(report.run->run_id); it != runs_.end()) report.sums = it->second;
    meter_in_flight(*report.run, report);
  }
  if (plan) report.projection = projection_.projection(*plan);
  if (report.run && report.sums.totals.iterations > 0 && report.projection) {
    auto started = parse_rfc3339_utc(report.run->started_at);
    const std::string condition = run_condition(report);
    if (started) {
      const auto now = std::chrono::system_clock::now();
      const double live = report.in_flight ? report.in_flight->cost_usd : 0;
      report.forecast = report.sums.forecast.forecast(
          *report.projection, *started, now, condition == "running" || condition == "waiting",
          forecast_caps(report.run->budget_usd, report.sums.totals.cost_usd + live, settings_,
                        *ledger_, now));
    }
  }
  return report;
}

}  // namespace ralph::report
