#include "report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "loop/display.hpp"
#include "meter/totals.hpp"
#include "report/insights.hpp"
#include "report/insights_html.hpp"
#include "report/iteration_table.hpp"
#include "report/markup.hpp"
#include "report/report_charts.hpp"
#include "util/clock.hpp"

namespace ralph::report {

namespace {

constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px; color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; }
.scope { color: var(--muted); margin: 0 0 16px; }
.summary, .forecast, .insights-summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr));
  gap: 8px; margin: 0; }
.summary div, .forecast div, .insights-summary div { background: var(--panel); border: 1px solid var(--line);
  border-radius: 6px; padding: 8px 12px; }
.summary dt, .forecast dt, .insights-summary dt { color: var(--muted); font-size: 12px; text-transform: uppercase;
  letter-spacing: .04em; }
.summary dd, .forecast dd, .insights-summary dd { margin: 2px 0 0; font-size: 15px; overflow-wrap: anywhere; }
.forecast-note { color: var(--muted); margin: 0; }
.empty { background: var(--panel); border: 1px dashed var(--line); border-radius: 6px;
  padding: 24px; text-align: center; color: var(--muted); }
figure { margin: 16px 0 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figcaption { color: var(--muted); font-size: 13px; padding: 0 8px 4px; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--ink); }
svg.chart .chart-title { font-size: 15px; font-weight: 600; }
svg.chart .axis text, svg.chart .axis-title { fill: var(--muted); }
svg.chart .grid { stroke: #e6e9ed; stroke-width: 1; }
svg.chart .baseline { stroke: #8c959f; stroke-width: 1; }
svg.chart .bar:hover .seg { opacity: .8; }
svg.chart .bar:hover .hit { fill: rgba(0,0,0,.04); }
svg.chart .row-total { fill: var(--muted); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table.iterations { border-collapse: collapse; width: 100%; font-size: 13px; white-space: nowrap; }
table.iterations th, table.iterations td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; }
table.iterations th { background: var(--panel); position: sticky; top: 0; }
table.iterations .num { text-align: right; font-variant-numeric: tabular-nums; }
table.iterations tfoot td { font-weight: 600; background: var(--panel); }
table.iterations td.commit { font-family: ui-monospace, monospace; }
table.iterations td.outcome.bad { color: #b35900; }
table.iterations tbody tr:hover { background: #f0f4f8; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.insights-note, .insights-none { color: var(--muted); margin: 4px 0; }
table.insights { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
table.insights th, table.insights td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; }
table.insights th { background: var(--panel); }
table.insights .num { text-align: right; font-variant-numeric: tabular-nums; }
table.insights tfoot td { font-weight: 600; background: var(--panel); }
)css";

std::string outcomes_text(const std::vector<meter::IterationRecord>& records) {
  std::map<std::string, int> counts;
  for (const auto& r : records) ++counts[r.outcome];
  std::string text;
  for (const auto& [outcome, count] : counts) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", count, outcome);
  }
  return text;
}

std::string summary(const ReportPage& page, const meter::Totals& totals) {
  std::string out = fmt::format(
      "<section id=\"summary\">\n<dl class=\"summary\" data-iterations=\"{}\" "
      "data-total-cost=\"{}\">\n",
      totals.iterations, exact_number(totals.cost_usd));
  out += summary_entry("Scope", page.scope);
  if (!page.run_status.empty()) out += summary_entry("Status", page.run_status);
  std::string iterations = std::to_string(totals.iterations);
  if (totals.iterations > 0) iterations += " (" + outcomes_text(page.records) + ")";
  out += summary_entry("Iterations", iterations);
  int estimated = 0;
  for (const auto& r : page.records) estimated += r.cost_source == "estimated" ? 1 : 0;
  std::string cost = dollars(totals.cost_usd);
  if (estimated > 0) {
    cost += fmt::format(" ({} of {} estimated by ralph)", estimated, totals.iterations);
  }
  out += summary_entry("Total cost", cost);
  const meter::Usage& u = totals.usage;
  out +=
      summary_entry("Tokens", fmt::format("in {} · out {} · cache write {} · cache read {}",
                                          tokens_text(u.input_tokens), tokens_text(u.output_tokens),
                                          tokens_text(u.cache_creation_input_tokens),
                                          tokens_text(u.cache_read_input_tokens)));
  out += summary_entry("Cache hit ratio", fmt::format("{:.1f}% of the input read from the cache",
                                                      u.cache_hit_ratio() * 100));
  if (page.budget_usd) {
    double share = *page.budget_usd > 0 ? totals.cost_usd / *page.budget_usd * 100 : 0;
    out += summary_entry(
        "Budget",
        fmt::format("{} ({:.1f}%)", loop::spend_text(totals.cost_usd, page.budget_usd), share));
  } else {
    out += summary_entry("Budget", page.budget_note);
  }
  if (!page.plan_summary.empty()) out += summary_entry("Plan", page.plan_summary);
  out += summary_entry("Projection",
                       page.projection ? projection_text(*page.projection) : page.projection_note);
  return out + "</dl>\n</section>\n";
}

// A number for a data-* attribute, when there is one.
void add_data(std::string& out, const char* name, const std::optional<double>& value) {
  if (value) out += fmt::format(" data-{}=\"{}\"", name, exact_number(*value));
}

std::string rate_text(double usd_per_hour) {
  return dollars(usd_per_hour) + "/h";
}

// "Run budget", "Day cap".
std::string cap_name(const CapForecast& cap) {
  if (cap.cap == "run") return "Run budget";
  std::string name = cap.cap + " cap";
  if (name[0] >= 'a' && name[0] <= 'z') name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name;
}

std::string cap_entry(const CapForecast& cap) {
  std::string text =
      fmt::format("{} of {} spent: ", dollars(cap.spent_usd), dollars(cap.budget_usd));
  if (cap.reached) {
    text += "reached";
  } else if (cap.reached_at) {
    text += "reached around " + time_text(*cap.reached_at) + " at the current rate";
  } else if (cap.resets_at) {
    text += "not reached before it resets at " + time_text(*cap.resets_at);
  } else {
    text += "no rate yet to tell when it is reached";
  }
  std::string out = fmt::format(
      "<div class=\"forecast-cap\" data-cap=\"{}\" data-budget=\"{}\" data-spent=\"{}\" "
      "data-reached=\"{}\"",
      escape_html(cap.cap), exact_number(cap.budget_usd), exact_number(cap.spent_usd),
      cap.reached ? "true" : "false");
  if (cap.reached_at) {
    out += fmt::format(" data-reached-at=\"{}\"", format_rfc3339(*cap.reached_at));
  }
  if (cap.resets_at) {
    out += fmt::format(" data-resets-at=\"{}\"", format_rfc3339(*cap.resets_at));
  }
  return out + fmt::format("><dt>{}</dt><dd>{}</dd></div>\n", escape_html(cap_name(cap)),
                           escape_html(text));
}

// How fast money and time go, and where they lead: every number also in data-* attributes of
// the list (none when it is not known).
std::string forecast_section(const ReportPage& page) {
  if (!page.forecast && page.forecast_note.empty()) return "";
  std::string out = "<section id=\"forecast\">\n<h2>Forecast</h2>\n";
  if (!page.forecast) {
    return out + "<p class=\"forecast-note\">" + escape_html(page.forecast_note) +
           "</p>\n</section>\n";
  }
  const Forecast& f = *page.forecast;
  out += "<dl class=\"forecast\"";
  add_data(out, "burn-usd-per-hour", f.burn_usd_per_hour);
  add_data(out, "recent-burn-usd-per-hour", f.recent_burn_usd_per_hour);
  out += fmt::format(" data-recent-iterations=\"{}\"", f.recent_iterations);
  add_data(out, "iterations-per-hour", f.iterations_per_hour);
  add_data(out, "hours-per-completed-item", f.hours_per_completed_item);
  add_data(out, "finish-hours", f.finish_hours);
  add_data(out, "finish-low-hours", f.finish_low_hours);
  add_data(out, "finish-high-hours", f.finish_high_hours);
  if (f.finish_at) out += fmt::format(" data-finish-at=\"{}\"", format_rfc3339(*f.finish_at));
  if (f.within_budget) {
    out += fmt::format(" data-within-budget=\"{}\"", *f.within_budget ? "true" : "false");
  }
  out += ">\n";

  std::string burn = "not known yet: no time recorded";
  if (f.burn_usd_per_hour) {
    burn = rate_text(*f.burn_usd_per_hour) + " over the run";
    if (f.recent_burn_usd_per_hour) {
      burn +=
          fmt::format(", {} over the last {} iteration{}", rate_text(*f.recent_burn_usd_per_hour),
                      f.recent_iterations, f.recent_iterations == 1 ? "" : "s");
    }
  }
  out += summary_entry("Burn rate", burn);
  out += summary_entry("Iterations per hour", f.iterations_per_hour
                                                  ? fmt::format("{:.1f}", *f.iterations_per_hour)
                                                  : std::string("not known yet"));
  out += summary_entry("Time per completed item", f.hours_per_completed_item
                                                      ? duration_text(*f.hours_per_completed_item)
                                                      : std::string("no item completed yet"));
  std::string finish;
  if (!f.finish_hours) {
    finish = "no estimate: " +
             (page.projection ? projection_text(*page.projection) : page.projection_note);
  } else if (*f.finish_hours == 0) {
    finish = "nothing left to finish";
  } else {
    finish = fmt::format("~{} ({}-{})", duration_text(*f.finish_hours),
                         duration_text(f.finish_low_hours.value_or(*f.finish_hours)),
                         duration_text(f.finish_high_hours.value_or(*f.finish_hours)));
    if (f.finish_at) finish += ", around " + time_text(*f.finish_at);
  }
  out += summary_entry("Time to finish", finish);
  for (const CapForecast& cap : f.caps) out += cap_entry(cap);
  std::string within;
  if (!f.within_budget) {
    within = f.caps.empty() ? "no cap to compare with" : "not known: no projection to finish";
  } else {
    double left = 0;
    for (size_t i = 0; i < f.caps.size(); ++i) {
      double cap_left = std::max(0.0, f.caps[i].budget_usd - f.caps[i].spent_usd);
      left = i == 0 ? cap_left : std::min(left, cap_left);
    }
    std::string expected = page.projection && page.projection->expected_usd
                               ? dollars(*page.projection->expected_usd)
                               : std::string("cost");
    within = fmt::format("{}: the expected {} to finish {} the {} the tightest cap has left",
                         *f.within_budget ? "yes" : "no", expected,
                         *f.within_budget ? "fits in" : "is more than", dollars(left));
  }
  out += summary_entry("Within budget", within);
  return out + "</dl>\n</section>\n";
}

// The chart's cap lines: the forecast's caps, or the page's budget as the run's.
// The caps drawn on the spend chart: the run's, which that spend counts against. A daily,
// weekly or monthly cap counts every loop's spend in its period, not this line: the Forecast
// section lists those.
std::vector<CapForecast> chart_caps(const ReportPage& page, double spent) {
  std::vector<CapForecast> caps;
  if (page.forecast) {
    for (const auto& cap : page.forecast->caps) {
      if (cap.cap == "run") caps.push_back(cap);
    }
    return caps;
  }
  if (page.budget_usd) {
    CapForecast run;
    run.cap = "run";
    run.budget_usd = *page.budget_usd;
    run.spent_usd = spent;
    run.reached = spent >= *page.budget_usd;
    caps.push_back(run);
  }
  return caps;
}

std::string figure(const std::string& svg, const std::string& caption) {
  std::string out = "<figure>\n" + svg;
  if (!caption.empty()) out += "<figcaption>" + escape_html(caption) + "</figcaption>\n";
  return out + "</figure>\n";
}

std::string charts(const ReportPage& page, double spent) {
  std::string out = "<section id=\"charts\">\n<h2>Charts</h2>\n";
  out += figure(column_chart(cost_per_iteration_chart(page.records, page.pricing)),
                "Each column is one iteration's cost_usd from the log, split by token kind in "
                "the proportions of the pricing table. Hover for exact values.");
  LineChart spend = cumulative_spend_chart(page.records, chart_caps(page, spent), page.projection);
  std::string caption;
  if (spend.projection) {
    caption =
        "The dashed line leads to the expected cost to finish the items left, in the band "
        "from the cheapest to the dearest estimate.";
  }
  if (spend.references.empty()) {
    caption += (caption.empty() ? "" : " ") + ("No budget line: " + page.budget_note + ".");
  }
  out += figure(line_chart(spend), caption);
  out += figure(row_chart(cost_per_item_chart(page.records, page.item_titles)), "");
  out += figure(row_chart(tokens_by_model_chart(page.records)), "");
  return out + "</section>\n";
}

}  // namespace

std::string render_html_report(const ReportPage& page) {
  meter::Totals totals = meter::sum(page.records);
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>ralph cost report: {}</title>\n<style>{}</style>\n</head>\n<body>\n"
      "<header>\n<h1>ralph cost report</h1>\n<p class=\"scope\">{} · generated {}</p>\n"
      "</header>\n",
      escape_html(page.scope), kStyle, escape_html(page.scope), escape_html(page.generated_at));
  out += summary(page, totals);
  out += forecast_section(page);
  if (page.records.empty()) {
    out +=
        "<p class=\"empty\" id=\"nothing-yet\">Nothing to chart yet: no iterations are recorded "
        "for this selection in .ralph/iterations.jsonl.</p>\n";
  } else {
    out += insights_section(compute_insights(page.records, page.pricing, page.ladder));
    out += charts(page, totals.cost_usd);
    out += "<section id=\"iterations\">\n<h2>Iterations</h2>\n<div class=\"table-wrap\">\n" +
           iteration_table(page.records) + "</div>\n</section>\n";
  }
  out += fmt::format(
      "<footer>Written by ralph {} from .ralph/iterations.jsonl. Costs are the log's "
      "cost_usd; token kinds split them by the pricing table.</footer>\n</body>\n</html>\n",
      RALPH_VERSION);
  return out;
}

}  // namespace ralph::report
