// The four charts of `ralph report --html`, as chart data built from the selected records:
// cost per iteration by token kind, cumulative spend against the caps with the projection to
// finish, cost per item, and tokens by model. Drawing is svg_chart's.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "report/forecast.hpp"
#include "report/projection.hpp"
#include "report/svg_chart.hpp"

namespace ralph::report {

// One column per record, stacked by cost kind (cost_split.hpp); data-run, data-iteration,
// and data-kind with data-cost on each segment. The unpriced kind is shown only when used.
BarChart cost_per_iteration_chart(const std::vector<meter::IterationRecord>& records,
                                  const meter::PricingTable& pricing);

// The running total of cost_usd, one point per record (data-cumulative); each cap as a
// reference line: data-budget, data-cap, data-spent, data-reached, and data-reached-at and
// data-resets-at (RFC 3339) when known. With items left and an estimate, the projection from
// the last point to it plus the expected cost to finish, in its low-high band (data-from,
// data-expected, data-low, data-high: on the chart's axis), with data-remaining-items and
// data-expected-cost, data-low-cost, data-high-cost (the cost to finish).
LineChart cumulative_spend_chart(const std::vector<meter::IterationRecord>& records,
                                 const std::vector<CapForecast>& caps,
                                 const std::optional<Projection>& projection);

// One row per item (the Aggregator's groups by item; "-" for iterations given none):
// data-item, data-iterations, and data-cost. `titles` maps item ids to their titles.
BarChart cost_per_item_chart(const std::vector<meter::IterationRecord>& records,
                             const std::map<std::string, std::string>& titles);

// One row per model (the Aggregator's groups by model), stacked by token kind: data-model,
// data-model-cost, and data-kind with data-tokens on each segment.
BarChart tokens_by_model_chart(const std::vector<meter::IterationRecord>& records);

}  // namespace ralph::report
