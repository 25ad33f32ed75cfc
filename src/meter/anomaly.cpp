#include "meter/anomaly.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ralph::meter {

namespace {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

}  // namespace

std::string anomaly_value_text(const std::string& metric, double value) {
  if (metric == "cost") return fmt::format("${:.4f}", value);
  if (metric == "turns") return fmt::format("{:.0f} turns", value);
  return fmt::format("{:.0f} output tokens", value);
}

IterationFigures figures_of(const IterationRecord& record, bool metered) {
  return {metered ? record.metered_cost_usd.value_or(record.cost_usd) : record.cost_usd,
          static_cast<double>(record.num_turns), static_cast<double>(record.usage.output_tokens),
          record.model};
}

std::optional<AnomalyBaseline> AnomalyBaseline::of(const std::vector<IterationFigures>& run,
                                                   double factor, const std::string& model) {
  if (run.size() < kMinIterations) return std::nullopt;
  // `only`: the iterations on that model alone.
  auto spread = [&run](double IterationFigures::*metric, const std::string* only) {
    std::vector<double> values;
    values.reserve(run.size());
    for (const auto& figures : run) {
      if (only == nullptr || figures.model == *only) values.push_back(figures.*metric);
    }
    Spread out;
    if (values.size() < kMinIterations) return out;  // a median of 0 checks nothing
    out.median = median(values);
    for (double& v : values) v = std::fabs(v - out.median);
    out.deviation = median(std::move(values));
    return out;
  };
  AnomalyBaseline baseline;
  baseline.factor_ = factor;
  baseline.cost_ = spread(&IterationFigures::cost_usd, &model);
  baseline.turns_ = spread(&IterationFigures::turns, nullptr);
  baseline.output_ = spread(&IterationFigures::output_tokens, nullptr);
  return baseline;
}

std::vector<Anomaly> AnomalyBaseline::check(const IterationFigures& figures) const {
  std::vector<Anomaly> out;
  auto test = [&](const char* metric, const char* label, double value, const Spread& spread) {
    // A median of nothing says nothing about what is usual.
    if (spread.median <= 0) return;
    if (value <= factor_ * spread.median) return;
    if (value <= spread.median + kDeviations * spread.deviation) return;
    out.push_back(
        Anomaly{metric, value, spread.median,
                fmt::format("{} {:.1f}x the run's median", label, value / spread.median)});
  };
  test("cost", "cost", figures.cost_usd, cost_);
  test("turns", "turns", figures.turns, turns_);
  test("output_tokens", "output tokens", figures.output_tokens, output_);
  return out;
}

}  // namespace ralph::meter
