#include "report/spend.hpp"

#include <fmt/format.h>

#include <map>

#include "report/cost_table.hpp"
#include "report/run_status.hpp"
#include "util/clock.hpp"

namespace ralph::report {

using budget::Scope;

namespace {

std::optional<double> cap_of(const budget::Limits& caps, Scope scope) {
  return scope == Scope::kDay ? caps.day : scope == Scope::kWeek ? caps.week : caps.month;
}

std::string money(double usd) {
  return fmt::format("${:.4f}", usd);
}

}  // namespace

std::string per_name(SpendPer per) {
  return per == SpendPer::kMachine ? "machine" : per == SpendPer::kUser ? "user" : "repo";
}

SpendReport spend_report(const std::vector<budget::LedgerEntry>& entries,
                         const budget::TimeZone& zone, Scope by, SpendPer per,
                         const budget::Limits& caps, budget::WallTime now) {
  SpendReport report;
  report.timezone = zone.name();
  report.by = by;
  report.per = per;
  for (Scope scope : {Scope::kDay, Scope::kWeek, Scope::kMonth}) {
    budget::Span span = zone.span(scope, now);
    PeriodSpend current;
    current.scope = scope;
    current.period = zone.label(scope, now);
    current.budget_usd = cap_of(caps, scope);
    current.resets_at = span.end;
    current.resets_text = zone.local_text(span.end);
    for (const auto& entry : entries) {
      if (entry.ended >= span.start && entry.ended < span.end) current.spent_usd += entry.cost_usd;
    }
    report.current.push_back(current);
  }
  std::map<std::pair<std::string, std::string>, SpendRow> rows;
  for (const auto& entry : entries) {
    std::string period = zone.label(by, entry.ended);
    const std::string& of = per == SpendPer::kMachine ? entry.machine
                            : per == SpendPer::kUser  ? entry.user
                                                      : entry.repo;
    SpendRow& row = rows[{period, of}];
    row.period = period;
    row.of = of;
    ++row.iterations;
    row.cost_usd += entry.cost_usd;
    ++report.iterations;
    report.cost_usd += entry.cost_usd;
  }
  for (auto& [key, row] : rows) report.rows.push_back(std::move(row));
  return report;
}

std::string spend_text(const SpendReport& r) {
  std::string out = fmt::format("ledger     {} (periods in {})\n", r.ledger, r.timezone);
  for (const auto& c : r.current) {
    std::string against = "no cap";
    if (c.budget_usd) {
      double fraction = *c.budget_usd > 0 ? c.spent_usd / *c.budget_usd : 0;
      against = fmt::format("of ${:.2f} {} {:.1f}%, resets {}", *c.budget_usd,
                            progress_bar(fraction, 20), fraction * 100, c.resets_text);
    }
    out += fmt::format("{:<11}{:<11}{:>12} {}\n", budget::scope_name(c.scope), c.period,
                       money(c.spent_usd), against);
  }
  if (r.in_flight_usd > 0) {
    out += fmt::format("{:<11}{} in running iterations, not recorded yet\n", "in flight",
                       money(r.in_flight_usd));
  }
  if (r.rows.empty()) {
    out += "\nnothing recorded yet\n";
    return out;
  }
  size_t period_width = 6;
  const std::string heading = r.per == SpendPer::kRepo ? "repository" : per_name(r.per);
  size_t repo_width = std::max<size_t>(10, heading.size());
  for (const auto& row : r.rows) {
    period_width = std::max(period_width, row.period.size());
    repo_width = std::max(repo_width, row.of.size());
  }
  out += fmt::format("\n{:<{}}  {:<{}}  {:>10}  {:>12}\n", budget::scope_name(r.by), period_width,
                     heading, repo_width, "iterations", "cost");
  for (const auto& row : r.rows) {
    out += fmt::format("{:<{}}  {:<{}}  {:>10}  {:>12}\n", row.period, period_width, row.of,
                       repo_width, row.iterations, money(row.cost_usd));
  }
  out += fmt::format("{:<{}}  {:<{}}  {:>10}  {:>12}\n", "total", period_width, "", repo_width,
                     r.iterations, money(r.cost_usd));
  return out;
}

nlohmann::json to_json(const SpendReport& r) {
  nlohmann::json current = nlohmann::json::array();
  for (const auto& c : r.current) {
    current.push_back(
        {{"cap", budget::scope_name(c.scope)},
         {"period", c.period},
         {"spent_usd", c.spent_usd},
         {"budget_usd", c.budget_usd ? nlohmann::json(*c.budget_usd) : nlohmann::json(nullptr)},
         {"remaining_usd", c.budget_usd ? nlohmann::json(std::max(0.0, *c.budget_usd - c.spent_usd))
                                        : nlohmann::json(nullptr)},
         {"resets_at", format_rfc3339(c.resets_at)}});
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    rows.push_back({{"period", row.period},
                    {per_name(r.per), row.of},
                    {"iterations", row.iterations},
                    {"cost_usd", row.cost_usd}});
  }
  return {{"ledger", r.ledger},
          {"timezone", r.timezone},
          {"by", budget::scope_name(r.by)},
          {"per", per_name(r.per)},
          {"current", current},
          {"in_flight_usd", r.in_flight_usd},
          {"rows", rows},
          {"totals", {{"iterations", r.iterations}, {"cost_usd", r.cost_usd}}}};
}

std::string spend_csv(const SpendReport& r) {
  std::string out = fmt::format("period,{},iterations,cost_usd\n", per_name(r.per));
  for (const auto& row : r.rows) {
    append_csv_field(out, row.period);
    out += ',';
    append_csv_field(out, row.of);
    out += fmt::format(",{},{}\n", row.iterations, row.cost_usd);
  }
  return out;
}

}  // namespace ralph::report
