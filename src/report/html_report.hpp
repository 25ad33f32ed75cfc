// `ralph report --html`: one self-contained HTML page (inline CSS and SVG, no script, nothing
// fetched) with a summary, the forecast, the insights (README "Insights"), four charts and the
// iteration table of the selected records.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "report/forecast.hpp"
#include "report/projection.hpp"

namespace ralph::report {

struct ReportPage {
  std::vector<meter::IterationRecord> records;  // the selection, in log order
  std::string scope;                            // "run 20261123-...", "all runs"
  meter::PricingTable pricing = meter::PricingTable::builtin();
  std::optional<double> budget_usd;  // the selected run's budget: drawn as a line
  std::string budget_note;           // without one: why ("no budget was set for this run")
  std::string run_status;            // e.g. "halted: complete - all 3 items pass"; may be empty
  std::string plan_summary;          // e.g. "sample: 2 of 3 items pass"; may be empty
  std::optional<Projection> projection;
  std::string projection_note;  // without a projection: why
  // Rates, time to finish and the caps (the chart's cap lines; without a forecast, the budget
  // is the run's cap line).
  std::optional<Forecast> forecast;
  std::string forecast_note;  // without a forecast: why
  std::map<std::string, std::string> item_titles;
  std::vector<std::string> ladder;  // ralph.json's "models", cheapest first: for the insights
  std::string generated_at;         // RFC 3339
};

std::string render_html_report(const ReportPage& page);

}  // namespace ralph::report
