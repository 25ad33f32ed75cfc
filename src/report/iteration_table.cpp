#include "report/iteration_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "loop/display.hpp"
#include "meter/totals.hpp"
#include "report/markup.hpp"

namespace ralph::report {

namespace {

std::string cell(const std::string& text, const char* css_class = nullptr) {
  if (css_class == nullptr) return "<td>" + escape_html(text) + "</td>";
  return fmt::format("<td class=\"{}\">{}</td>", css_class, escape_html(text));
}

std::string number(int64_t value) {
  return cell(grouped_integer(value), "num");
}

std::string ratio(double value) {
  return cell(fmt::format("{:.1f}%", value * 100), "num");
}

std::string cost_cell(double cost) {
  return fmt::format("<td class=\"num\" title=\"${}\" data-cost=\"{}\">{}</td>", exact_number(cost),
                     exact_number(cost), escape_html(dollars(cost)));
}

std::string token_cells(const meter::Usage& u) {
  return number(u.input_tokens) + number(u.output_tokens) + number(u.cache_creation_input_tokens) +
         number(u.cache_read_input_tokens);
}

}  // namespace

std::string iteration_table(const std::vector<meter::IterationRecord>& records) {
  std::set<std::string> runs;
  for (const auto& r : records) runs.insert(r.run_id);
  bool several = runs.size() > 1;

  std::string out = "<table class=\"iterations\">\n<thead><tr>";
  if (several) out += "<th>run</th>";
  for (const char* heading : {"iteration", "item", "model", "input", "output", "cache write",
                              "cache read", "cost", "duration", "outcome", "commit", "cache hit",
                              "peak context", "context fill", "compactions"}) {
    std::string_view name = heading;
    bool text = name == "item" || name == "model" || name == "outcome" || name == "commit";
    out += fmt::format("<th{}>{}</th>", text ? "" : " class=\"num\"", heading);
  }
  out += "</tr></thead>\n<tbody>\n";
  int64_t peak = 0;
  int64_t duration_ms = 0;
  int compactions = 0;
  for (const auto& r : records) {
    out += fmt::format("<tr data-run=\"{}\" data-iteration=\"{}\">", escape_html(r.run_id),
                       r.iteration);
    if (several) out += cell(r.run_id);
    out += cell(std::to_string(r.iteration), "num");
    out += cell(r.item_id.value_or("-"));
    out += cell(r.model.empty() ? "-" : r.model);
    out += token_cells(r.usage);
    out += cost_cell(r.cost_usd);
    out += cell(loop::human_duration(std::chrono::milliseconds(r.duration_ms)), "num");
    out += fmt::format("<td class=\"outcome {}\">{}</td>", r.outcome == "success" ? "ok" : "bad",
                       escape_html(r.outcome));
    if (r.commit) {
      out += fmt::format("<td class=\"commit\" title=\"{}\">{}</td>", escape_html(*r.commit),
                         escape_html(r.commit->substr(0, 10)));
    } else {
      out += cell("-");
    }
    out += ratio(r.usage.cache_hit_ratio());
    out += number(r.peak_context_tokens);
    if (r.peak_context_fraction) {
      out += fmt::format("<td class=\"num{}\" data-context-fraction=\"{}\">{:.0f}%</td>",
                         *r.peak_context_fraction >= 0.8 ? " bad" : "", *r.peak_context_fraction,
                         *r.peak_context_fraction * 100);
    } else {
      out += cell("-", "num");
    }
    out += fmt::format("<td class=\"num\" data-compactions=\"{}\">{}</td>", r.compactions,
                       r.compactions);
    out += "</tr>\n";
    peak = std::max(peak, r.peak_context_tokens);
    compactions += r.compactions;
    duration_ms += r.duration_ms;
  }
  meter::Totals totals = meter::sum(records);
  out += "</tbody>\n<tfoot><tr>";
  if (several) out += cell(fmt::format("{} runs", runs.size()));
  out += cell("total", "num");
  out += cell(fmt::format("{} iteration{}", totals.iterations, totals.iterations == 1 ? "" : "s"));
  out += cell("");
  out += token_cells(totals.usage);
  out += cost_cell(totals.cost_usd);
  out += cell(loop::human_duration(std::chrono::milliseconds(duration_ms)), "num");
  out += cell("") + cell("");
  out += ratio(totals.usage.cache_hit_ratio());
  out += number(peak);
  out += cell("") + cell(std::to_string(compactions), "num");
  return out + "</tr></tfoot>\n</table>\n";
}

}  // namespace ralph::report
