#include "report/report_charts.hpp"

#include <fmt/format.h>

#include <set>

#include "report/aggregate.hpp"
#include "report/cost_split.hpp"
#include "report/markup.hpp"
#include "util/clock.hpp"

namespace ralph::report {

namespace {

constexpr const char* kKindColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#bab0ac"};

bool several_runs(const std::vector<meter::IterationRecord>& records) {
  std::set<std::string> runs;
  for (const auto& r : records) runs.insert(r.run_id);
  return runs.size() > 1;
}

// What names an iteration on the x axis: its number in one run, its position in several.
std::string x_label(const std::vector<meter::IterationRecord>& records, size_t index,
                    bool several) {
  return std::to_string(several ? static_cast<int>(index) + 1 : records[index].iteration);
}

std::string x_title(bool several) {
  return several ? "iterations of every run, in log order" : "iteration";
}

std::string iteration_tooltip(const meter::IterationRecord& r) {
  return fmt::format("iteration {} of run {}: {} [{}], {}", r.iteration, r.run_id,
                     r.item_id.value_or("no item"), r.model.empty() ? "unknown" : r.model,
                     r.outcome);
}

DataAttributes iteration_data(const meter::IterationRecord& r) {
  return {{"run", r.run_id}, {"iteration", std::to_string(r.iteration)}};
}

// A cap as a line at its budget, with what was spent under it and when it is reached.
ReferenceLine cap_line(const CapForecast& cap) {
  ReferenceLine line;
  line.value = cap.budget_usd;
  line.label = cap.cap == "run" ? "run budget" : cap.cap + " cap";
  line.attribute = "budget";
  line.data = {{"cap", cap.cap},
               {"spent", exact_number(cap.spent_usd)},
               {"reached", cap.reached ? "true" : "false"}};
  if (cap.reached_at) line.data.emplace_back("reached-at", format_rfc3339(*cap.reached_at));
  if (cap.resets_at) line.data.emplace_back("resets-at", format_rfc3339(*cap.resets_at));
  line.tooltip = "spent: " + dollars(cap.spent_usd);
  if (cap.reached) {
    line.tooltip += "\nreached";
  } else if (cap.reached_at) {
    line.tooltip += "\nreached around " + time_text(*cap.reached_at) + " at the current rate";
  } else if (cap.resets_at) {
    line.tooltip += "\nnot reached before it resets at " + time_text(*cap.resets_at);
  }
  return line;
}

}  // namespace

BarChart cost_per_iteration_chart(const std::vector<meter::IterationRecord>& records,
                                  const meter::PricingTable& pricing) {
  BarChart chart;
  chart.id = "chart-cost-per-iteration";
  chart.title = "Cost per iteration, by token kind";
  chart.unit = Unit::kDollars;
  chart.value_attribute = "cost";
  bool several = several_runs(records);
  chart.x_title = x_title(several);

  std::vector<CostSplit> splits;
  bool unpriced = false;
  for (const auto& r : records) {
    splits.push_back(split_cost(r, pricing));
    unpriced = unpriced || splits.back()[CostKind::kUnpriced] != 0;
  }
  std::vector<CostKind> kinds;
  for (CostKind kind : kAllCostKinds) {
    if (kind == CostKind::kUnpriced && !unpriced) continue;
    kinds.push_back(kind);
    chart.series.push_back({std::string(cost_kind_key(kind)), std::string(cost_kind_label(kind)),
                            kKindColors[static_cast<size_t>(kind)]});
  }
  for (size_t i = 0; i < records.size(); ++i) {
    Bar bar;
    bar.label = x_label(records, i, several);
    bar.tooltip = iteration_tooltip(records[i]);
    bar.data = iteration_data(records[i]);
    for (CostKind kind : kinds) bar.values.push_back(splits[i][kind]);
    chart.bars.push_back(std::move(bar));
  }
  return chart;
}

LineChart cumulative_spend_chart(const std::vector<meter::IterationRecord>& records,
                                 const std::vector<CapForecast>& caps,
                                 const std::optional<Projection>& projection) {
  LineChart chart;
  chart.id = "chart-cumulative-spend";
  chart.title = caps.empty() ? "Cumulative spend" : "Cumulative spend against the budget";
  chart.unit = Unit::kDollars;
  chart.value_attribute = "cumulative";
  chart.line_label = "spent so far";
  bool several = several_runs(records);
  chart.x_title = x_title(several);
  for (const CapForecast& cap : caps) chart.references.push_back(cap_line(cap));
  double sum = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    sum += records[i].cost_usd;
    Point point;
    point.label = x_label(records, i, several);
    point.tooltip = iteration_tooltip(records[i]);
    point.data = iteration_data(records[i]);
    point.value = sum;
    chart.points.push_back(std::move(point));
  }
  if (!records.empty() && projection && projection->expected_usd &&
      projection->remaining_items > 0) {
    const Projection& p = *projection;
    LineProjection line;
    line.expected = sum + *p.expected_usd;
    line.low = sum + p.low_usd.value_or(*p.expected_usd);
    line.high = sum + p.high_usd.value_or(*p.expected_usd);
    line.label = "projected to finish";
    line.axis_label = "finish";
    line.tooltip =
        fmt::format("projected to finish the {} item{} left: {} more ({}-{})", p.remaining_items,
                    p.remaining_items == 1 ? "" : "s", dollars(*p.expected_usd),
                    dollars(line.low - sum), dollars(line.high - sum));
    line.data = {{"remaining-items", std::to_string(p.remaining_items)},
                 {"expected-cost", exact_number(*p.expected_usd)},
                 {"low-cost", exact_number(line.low - sum)},
                 {"high-cost", exact_number(line.high - sum)}};
    chart.projection = std::move(line);
  }
  return chart;
}

BarChart cost_per_item_chart(const std::vector<meter::IterationRecord>& records,
                             const std::map<std::string, std::string>& titles) {
  BarChart chart;
  chart.id = "chart-cost-per-item";
  chart.title = "Cost per item";
  chart.x_title = "cost of every iteration given the item, failed ones included";
  chart.unit = Unit::kDollars;
  chart.value_attribute = "cost";
  chart.series.push_back({"cost", "cost", kKindColors[0]});
  Aggregator by_item(GroupBy::kItem);
  for (const auto& r : records) by_item.add(r);
  for (const Group& group : by_item.groups()) {
    Bar bar;
    bar.label = group.key == "-" ? "(no item)" : group.key;
    auto title = titles.find(group.key);
    bar.tooltip = group.key == "-" ? "iterations given no item" : group.key;
    if (title != titles.end()) bar.tooltip += ": " + title->second;
    bar.tooltip += fmt::format(" ({} iteration{}, {} item{} completed)", group.iterations,
                               group.iterations == 1 ? "" : "s", group.items_completed,
                               group.items_completed == 1 ? "" : "s");
    bar.data = {{"item", group.key}, {"iterations", std::to_string(group.iterations)}};
    bar.values.push_back(group.cost_usd);
    chart.bars.push_back(std::move(bar));
  }
  return chart;
}

BarChart tokens_by_model_chart(const std::vector<meter::IterationRecord>& records) {
  BarChart chart;
  chart.id = "chart-tokens-by-model";
  chart.title = "Tokens by model, by token kind";
  chart.x_title = "tokens";
  chart.unit = Unit::kTokens;
  chart.value_attribute = "tokens";
  for (CostKind kind :
       {CostKind::kInput, CostKind::kOutput, CostKind::kCacheWrite, CostKind::kCacheRead}) {
    chart.series.push_back({std::string(cost_kind_key(kind)), std::string(cost_kind_label(kind)),
                            kKindColors[static_cast<size_t>(kind)]});
  }
  Aggregator by_model(GroupBy::kModel);
  for (const auto& r : records) by_model.add(r);
  for (const Group& group : by_model.groups()) {
    Bar bar;
    bar.label = group.key;
    bar.tooltip = fmt::format("{}: {} in {} iteration{}", group.key, dollars(group.cost_usd),
                              group.iterations, group.iterations == 1 ? "" : "s");
    bar.data = {{"model", group.key}, {"model-cost", exact_number(group.cost_usd)}};
    const meter::Usage& u = group.usage;
    bar.values = {static_cast<double>(u.input_tokens), static_cast<double>(u.output_tokens),
                  static_cast<double>(u.cache_creation_input_tokens),
                  static_cast<double>(u.cache_read_input_tokens)};
    chart.bars.push_back(std::move(bar));
  }
  return chart;
}

}  // namespace ralph::report
