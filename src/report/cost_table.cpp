#include "report/cost_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "loop/display.hpp"
#include "meter/price_drift.hpp"
#include "meter/record_text.hpp"
#include "report/text_table.hpp"

namespace ralph::report {

namespace {

std::string money(double usd) {
  return fmt::format("{:.4f}", usd);
}

std::string duration(int64_t ms) {
  return loop::human_duration(std::chrono::milliseconds(ms));
}

std::string number(double value) {
  std::string out;
  meter::append_json_number(out, value);
  return out;
}

}  // namespace

void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string percent(double ratio, bool any) {
  return any ? fmt::format("{:.1f}%", ratio * 100) : "-";
}

std::string iteration_table(const std::vector<meter::IterationRecord>& records,
                            const meter::Totals& totals) {
  bool many_runs = std::any_of(records.begin(), records.end(),
                               [&](const auto& r) { return r.run_id != records.front().run_id; });
  std::vector<bool> right = {true, false, false, true, true, true,  true, true,
                             true, true,  true,  true, true, false, false};
  if (many_runs) right.insert(right.begin(), false);
  TextTable table(right);
  auto row = [&](std::vector<std::string> cells, const std::string& run) {
    if (many_runs) cells.insert(cells.begin(), run);
    table.add(std::move(cells));
  };
  row({"iter", "item", "model", "input", "output", "cache_write", "cache_read", "cache_hit",
       "peak_ctx", "ctx_fill", "cost_usd", "metered ", "duration", "outcome", "commit"},
      "run");
  int64_t duration_ms = 0;
  int64_t peak = 0;
  double metered = 0;
  // The meter's figure, marked "!" when it drifts from the agent's (README "Prices").
  auto metered_cell = [](const meter::IterationRecord& r) {
    if (!r.metered_cost_usd) return std::string("- ");
    return money(*r.metered_cost_usd) + (meter::record_drifts(r) ? "!" : " ");
  };
  // How full the context got against its window, and the compactions: "83% 1c".
  auto fill_cell = [](const meter::IterationRecord& r) {
    std::string cell = r.peak_context_fraction
                           ? fmt::format("{:.0f}%", *r.peak_context_fraction * 100)
                           : std::string("-");
    if (r.compactions > 0) cell += fmt::format(" {}c", r.compactions);
    return cell;
  };
  double fullest = 0;
  for (const auto& r : records) {
    duration_ms += r.duration_ms;
    peak = std::max(peak, r.peak_context_tokens);
    fullest = std::max(fullest, r.peak_context_fraction.value_or(0));
    metered += r.metered_cost_usd.value_or(0);
    row({std::to_string(r.iteration), r.item_id.value_or("-"), r.model.empty() ? "-" : r.model,
         grouped(r.usage.input_tokens), grouped(r.usage.output_tokens),
         grouped(r.usage.cache_creation_input_tokens), grouped(r.usage.cache_read_input_tokens),
         percent(r.usage.cache_hit_ratio(), r.usage.context_tokens() > 0),
         grouped(r.peak_context_tokens), fill_cell(r), money(r.cost_usd), metered_cell(r),
         duration(r.duration_ms), r.outcome, r.commit ? r.commit->substr(0, 10) : "-"},
        r.run_id);
  }
  const auto& u = totals.usage;
  row({"total", fmt::format("{} iter.", totals.iterations), "", grouped(u.input_tokens),
       grouped(u.output_tokens), grouped(u.cache_creation_input_tokens),
       grouped(u.cache_read_input_tokens), percent(u.cache_hit_ratio(), u.context_tokens() > 0),
       grouped(peak), fullest > 0 ? fmt::format("{:.0f}%", fullest * 100) : "-",
       money(totals.cost_usd), money(metered) + " ", duration(duration_ms), "", ""},
      "");
  return table.text();
}

std::string group_table(GroupBy by, const std::vector<Group>& groups, const meter::Totals& totals) {
  TextTable table({false, true, true, true, true, true, true, true, true, true, true});
  table.add({std::string(group_by_name(by)), "iters", "input", "output", "cache_write",
             "cache_read", "cache_hit", "peak_ctx", "cost_usd", "duration", "completed"});
  int64_t duration_ms = 0;
  int64_t peak = 0;
  int completed = 0;
  for (const auto& g : groups) {
    const auto& u = g.usage;
    table.add({g.key, std::to_string(g.iterations), grouped(u.input_tokens),
               grouped(u.output_tokens), grouped(u.cache_creation_input_tokens),
               grouped(u.cache_read_input_tokens),
               percent(u.cache_hit_ratio(), u.context_tokens() > 0), grouped(g.peak_context_tokens),
               money(g.cost_usd), duration(g.duration_ms), std::to_string(g.items_completed)});
    if (by != GroupBy::kModel) {  // by model, an iteration can count in several groups
      duration_ms += g.duration_ms;
      completed += g.items_completed;
    }
    peak = std::max(peak, g.peak_context_tokens);
  }
  const auto& u = totals.usage;
  bool sums = by != GroupBy::kModel;
  table.add({"total", std::to_string(totals.iterations), grouped(u.input_tokens),
             grouped(u.output_tokens), grouped(u.cache_creation_input_tokens),
             grouped(u.cache_read_input_tokens),
             percent(u.cache_hit_ratio(), u.context_tokens() > 0), grouped(peak),
             money(totals.cost_usd), sums ? duration(duration_ms) : "",
             sums ? std::to_string(completed) : ""});
  return table.text();
}

std::string csv_iteration_header() {
  return "run_id,iteration,started_at,ended_at,duration_ms,item_id,model,input_tokens,"
         "output_tokens,cache_creation_input_tokens,cache_read_input_tokens,cache_hit_ratio,"
         "peak_context_tokens,cost_usd,cost_source,num_turns,outcome,items_completed,commit,"
         "session_id,metered_cost_usd,peak_context_fraction,compactions\n";
}

void append_csv_iteration(std::string& out, const meter::IterationRecord& r) {
  auto field = [&out](std::string_view text) {
    append_csv_field(out, text);
    out.push_back(',');
  };
  field(r.run_id);
  field(std::to_string(r.iteration));
  field(r.started_at);
  field(r.ended_at);
  field(std::to_string(r.duration_ms));
  field(r.item_id.value_or(""));
  field(r.model);
  field(std::to_string(r.usage.input_tokens));
  field(std::to_string(r.usage.output_tokens));
  field(std::to_string(r.usage.cache_creation_input_tokens));
  field(std::to_string(r.usage.cache_read_input_tokens));
  field(number(r.usage.cache_hit_ratio()));
  field(std::to_string(r.peak_context_tokens));
  field(number(r.cost_usd));
  field(r.cost_source);
  field(std::to_string(r.num_turns));
  field(r.outcome);
  field(fmt::format("{}", fmt::join(r.items_completed, " ")));
  field(r.commit.value_or(""));
  field(r.session_id.value_or(""));
  if (r.metered_cost_usd) out += number(*r.metered_cost_usd);
  out.push_back(',');
  if (r.peak_context_fraction) out += number(*r.peak_context_fraction);
  out += fmt::format(",{}\n", r.compactions);
}

std::string csv_group_header(GroupBy by) {
  return fmt::format(
      "{},iterations,input_tokens,output_tokens,cache_creation_input_tokens,"
      "cache_read_input_tokens,cache_hit_ratio,peak_context_tokens,cost_usd,duration_ms,"
      "items_completed\n",
      group_by_name(by));
}

void append_csv_group(std::string& out, const Group& g) {
  append_csv_field(out, g.key);
  fmt::format_to(std::back_inserter(out), ",{},{},{},{},{},{},{},{},{},{}\n", g.iterations,
                 g.usage.input_tokens, g.usage.output_tokens, g.usage.cache_creation_input_tokens,
                 g.usage.cache_read_input_tokens, number(g.usage.cache_hit_ratio()),
                 g.peak_context_tokens, number(g.cost_usd), g.duration_ms, g.items_completed);
}

}  // namespace ralph::report
