#include "report/forecast.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/markup.hpp"
#include "util/clock.hpp"

namespace ralph::report {

namespace {

constexpr size_t kRecent = 5;

double hours_between(WallTime from, WallTime to) {
  return std::chrono::duration<double, std::ratio<3600>>(to - from).count();
}

// `hours` after `t`; a span past a century is taken as one (a rate near zero).
WallTime after_hours(WallTime t, double hours) {
  hours = std::clamp(std::isfinite(hours) ? hours : 0.0, 0.0, 100.0 * 365 * 24);
  return t + std::chrono::duration_cast<WallTime::duration>(
                 std::chrono::duration<double, std::ratio<3600>>(hours));
}

nlohmann::json optional(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json optional_time(const std::optional<WallTime>& t) {
  return t ? nlohmann::json(format_rfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace

void ForecastBuilder::add(const meter::RecordView& record) {
  ++iterations_;
  cost_ += record.cost_usd;
  auto started = parse_rfc3339_utc(record.started_at);
  auto ended = parse_rfc3339_utc(record.ended_at);
  if (ended) last_ended_ = last_ended_ ? std::max(*last_ended_, *ended) : *ended;
  if (started && ended) {
    recent_.push_back(Span{*started, *ended, record.cost_usd});
    if (recent_.size() > kRecent) recent_.pop_front();
  }
}

Forecast ForecastBuilder::forecast(const Projection& projection, WallTime started, WallTime now,
                                   bool running, std::vector<CapForecast> caps) const {
  Forecast f;
  WallTime until = running || !last_ended_ ? now : *last_ended_;
  double hours = hours_between(started, until);
  if (iterations_ > 0 && hours > 0) {
    f.burn_usd_per_hour = cost_ / hours;
    f.iterations_per_hour = iterations_ / hours;
  }
  if (!recent_.empty()) {
    double span = hours_between(recent_.front().started, recent_.back().ended);
    double cost = 0;
    for (const auto& r : recent_) cost += r.cost;
    if (span > 0) f.recent_burn_usd_per_hour = cost / span;
    f.recent_iterations = static_cast<int>(recent_.size());
  }
  if (projection.completed_items > 0) {
    f.hours_per_completed_item = projection.basis_hours / projection.completed_items;
  }
  f.finish_hours = projection.expected_hours;
  f.finish_low_hours = projection.low_hours;
  f.finish_high_hours = projection.high_hours;
  if (f.finish_hours) f.finish_at = after_hours(now, *f.finish_hours);
  // Caps are reached at the rate of late, when there is one.
  std::optional<double> rate =
      f.recent_burn_usd_per_hour ? f.recent_burn_usd_per_hour : f.burn_usd_per_hour;
  std::optional<double> tightest;
  for (auto& cap : caps) {
    double left = std::max(0.0, cap.budget_usd - cap.spent_usd);
    tightest = tightest ? std::min(*tightest, left) : left;
    cap.reached = cap.spent_usd >= cap.budget_usd;
    if (cap.reached) {
      cap.reached_at = now;
    } else if (rate && *rate > 0) {
      WallTime at = after_hours(now, left / *rate);
      if (!cap.resets_at || at < *cap.resets_at) cap.reached_at = at;
    }
  }
  f.caps = std::move(caps);
  if (tightest && projection.expected_usd) f.within_budget = *projection.expected_usd <= *tightest;
  return f;
}

std::vector<CapForecast> forecast_caps(std::optional<double> run_budget, double run_spent,
                                       const plan::Settings& settings, budget::Ledger& ledger,
                                       WallTime now) {
  std::vector<CapForecast> caps;
  if (run_budget)
    caps.push_back({"run", *run_budget, run_spent, std::nullopt, std::nullopt, false});
  const std::vector<std::pair<budget::Scope, std::optional<double>>> calendar = {
      {budget::Scope::kDay, settings.dollars("daily_budget")},
      {budget::Scope::kWeek, settings.dollars("weekly_budget")},
      {budget::Scope::kMonth, settings.dollars("monthly_budget")}};
  if (std::none_of(calendar.begin(), calendar.end(), [](const auto& c) { return c.second; })) {
    return caps;
  }
  auto zone = budget::TimeZone::named(settings.text("timezone").value_or(""));
  if (!zone || !ledger.refresh()) return caps;
  const double others = ledger.others_live();
  for (const auto& [scope, limit] : calendar) {
    if (!limit) continue;
    budget::Span span = zone->span(scope, now);
    caps.push_back({budget::scope_name(scope), *limit, ledger.spent(span.start, span.end) + others,
                    span.end, std::nullopt, false});
  }
  return caps;
}

nlohmann::json to_json(const Forecast& f) {
  nlohmann::json caps = nlohmann::json::array();
  for (const auto& c : f.caps) {
    caps.push_back({{"cap", c.cap},
                    {"budget_usd", c.budget_usd},
                    {"spent_usd", c.spent_usd},
                    {"reached", c.reached},
                    {"reached_at", optional_time(c.reached_at)},
                    {"resets_at", optional_time(c.resets_at)}});
  }
  return {{"burn_usd_per_hour", optional(f.burn_usd_per_hour)},
          {"recent_burn_usd_per_hour", optional(f.recent_burn_usd_per_hour)},
          {"recent_iterations", f.recent_iterations},
          {"iterations_per_hour", optional(f.iterations_per_hour)},
          {"hours_per_completed_item", optional(f.hours_per_completed_item)},
          {"finish_hours", optional(f.finish_hours)},
          {"finish_low_hours", optional(f.finish_low_hours)},
          {"finish_high_hours", optional(f.finish_high_hours)},
          {"finish_at", optional_time(f.finish_at)},
          {"caps", caps},
          {"within_budget",
           f.within_budget ? nlohmann::json(*f.within_budget) : nlohmann::json(nullptr)}};
}

std::vector<std::string> forecast_lines(const Forecast& f, WallTime now) {
  std::vector<std::string> lines;
  if (!f.burn_usd_per_hour) return lines;
  std::string rates = fmt::format("${:.4f}/h over the run", *f.burn_usd_per_hour);
  if (f.recent_burn_usd_per_hour) {
    rates += fmt::format(", ${:.4f}/h over the last {} iteration{}", *f.recent_burn_usd_per_hour,
                         f.recent_iterations, f.recent_iterations == 1 ? "" : "s");
  }
  if (f.iterations_per_hour) rates += fmt::format("; {:.1f} iterations/h", *f.iterations_per_hour);
  if (f.hours_per_completed_item) {
    rates += fmt::format(", {} per completed item", duration_text(*f.hours_per_completed_item));
  }
  lines.push_back(rates);
  std::vector<std::string> parts;
  if (f.finish_hours) {
    parts.push_back(*f.finish_hours == 0
                        ? std::string("nothing left to finish")
                        : fmt::format("~{} to finish ({}-{})", duration_text(*f.finish_hours),
                                      duration_text(*f.finish_low_hours),
                                      duration_text(*f.finish_high_hours)));
  }
  for (const auto& c : f.caps) {
    if (c.reached) {
      parts.push_back(fmt::format("the {} cap of ${:.2f} is reached", c.cap, c.budget_usd));
    } else if (c.reached_at) {
      parts.push_back(fmt::format("the {} cap of ${:.2f} in {} at this rate", c.cap, c.budget_usd,
                                  duration_text(hours_between(now, *c.reached_at))));
    } else if (c.resets_at) {
      parts.push_back(
          fmt::format("the {} cap of ${:.2f} not before it resets", c.cap, c.budget_usd));
    }
  }
  if (f.within_budget) parts.push_back(*f.within_budget ? "within budget" : "over budget");
  if (!parts.empty()) lines.push_back(fmt::format("{}", fmt::join(parts, "; ")));
  return lines;
}

}  // namespace ralph::report
