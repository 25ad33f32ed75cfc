#include "loop/anomaly_watch.hpp"

#include <algorithm>

namespace ralph::loop {

void AnomalyWatch::add(const meter::IterationRecord& record, const std::string& model) {
  meter::IterationFigures figures = meter::figures_of(record);
  figures.model = model;
  recorded_.push_back(figures);
  figures.cost_usd = record.metered_cost_usd.value_or(record.cost_usd);
  metered_.push_back(std::move(figures));
}

void AnomalyWatch::start_iteration() {
  live_ = Baseline{};
  record_ = Baseline{};
  flagged_.clear();
}

std::vector<meter::Anomaly> AnomalyWatch::check(const meter::IterationFigures& figures, bool live) {
  Baseline& baseline = live ? live_ : record_;
  if (!baseline.known || baseline.model != figures.model) {
    baseline.of = meter::AnomalyBaseline::of(live ? metered_ : recorded_, factor_, figures.model);
    baseline.model = figures.model;
    baseline.known = true;
  }
  std::vector<meter::Anomaly> fresh;
  if (!baseline.of) return fresh;
  for (auto& anomaly : baseline.of->check(figures)) {
    if (std::any_of(flagged_.begin(), flagged_.end(),
                    [&](const meter::Anomaly& a) { return a.metric == anomaly.metric; })) {
      continue;
    }
    flagged_.push_back(anomaly);
    fresh.push_back(std::move(anomaly));
  }
  return fresh;
}

}  // namespace ralph::loop
