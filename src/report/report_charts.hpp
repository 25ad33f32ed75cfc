// The four charts of `ralph report --html`, as chart data built from the selected records:
// cost per iteration by token kind, cumulative spend against the budget, cost per item, and
// tokens by model. Drawing is svg_chart's.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "report/svg_chart.hpp"

namespace ralph::report {

// One column per record, stacked by cost kind (cost_split.hpp); data-run, data-iteration,
// and data-kind with data-cost on each segment. The unpriced kind is shown only when used.
BarChart cost_per_iteration_chart(const std::vector<meter::IterationRecord>& records,
                                  const meter::PricingTable& pricing);

// The running total of cost_usd, one point per record (data-cumulative), and the budget as a
// reference line (data-budget) when there is one.
LineChart cumulative_spend_chart(const std::vector<meter::IterationRecord>& records,
                                 std::optional<double> budget_usd);

// One row per item (the Aggregator's groups by item; "-" for iterations given none):
// data-item, data-iterations, and data-cost. `titles` maps item ids to their titles.
BarChart cost_per_item_chart(const std::vector<meter::IterationRecord>& records,
                             const std::map<std::string, std::string>& titles);

// One row per model (the Aggregator's groups by model), stacked by token kind: data-model,
// data-model-cost, and data-kind with data-tokens on each segment.
BarChart tokens_by_model_chart(const std::vector<meter::IterationRecord>& records);

}  // namespace ralph::report
