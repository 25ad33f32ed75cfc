#include "report/html_report.hpp"

#include <fmt/format.h>

#include <map>

#include "loop/display.hpp"
#include "meter/totals.hpp"
#include "report/iteration_table.hpp"
#include "report/markup.hpp"
#include "report/report_charts.hpp"

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
.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 8px;
  margin: 0; }
.summary div { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 12px; }
.summary dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.summary dd { margin: 2px 0 0; font-size: 15px; overflow-wrap: anywhere; }
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
)css";

std::string summary_entry(const std::string& name, const std::string& value) {
  return fmt::format("<div><dt>{}</dt><dd>{}</dd></div>\n", escape_html(name), escape_html(value));
}

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

std::string figure(const std::string& svg, const std::string& caption) {
  std::string out = "<figure>\n" + svg;
  if (!caption.empty()) out += "<figcaption>" + escape_html(caption) + "</figcaption>\n";
  return out + "</figure>\n";
}

std::string charts(const ReportPage& page) {
  std::string out = "<section id=\"charts\">\n<h2>Charts</h2>\n";
  out += figure(column_chart(cost_per_iteration_chart(page.records, page.pricing)),
                "Each column is one iteration's cost_usd from the log, split by token kind in "
                "the proportions of the pricing table. Hover for exact values.");
  out += figure(line_chart(cumulative_spend_chart(page.records, page.budget_usd)),
                page.budget_usd ? "" : "No budget line: " + page.budget_note + ".");
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
  if (page.records.empty()) {
    out +=
        "<p class=\"empty\" id=\"nothing-yet\">Nothing to chart yet: no iterations are recorded "
        "for this selection in .ralph/iterations.jsonl.</p>\n";
  } else {
    out += charts(page);
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
