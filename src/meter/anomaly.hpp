// Anomalies (README "Anomalies"): an iteration whose cost, turns or output tokens are far above
// the run's usual. Once a run has at least 5 iterations, a figure is flagged when it exceeds
// both `factor` times the run's median and the median plus 5 median absolute deviations. Cost
// is compared only with the run's iterations on the same model (at least 5 of them): a model
// of the ladder that costs 20 times another is not an anomaly. The loop checks the running
// iteration live from its meter; the record keeps what was flagged.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "meter/record.hpp"

namespace ralph::meter {

// The figures of one iteration that are checked.
struct IterationFigures {
  double cost_usd = 0;
  double turns = 0;
  double output_tokens = 0;
  std::string model;  // whose prices the cost is in
};
// `cost_usd`, `num_turns`, `output_tokens` and `model`; `metered`: the cost as ralph's meter
// priced it (`metered_cost_usd`, else `cost_usd`), as a live check sees costs.
IterationFigures figures_of(const IterationRecord& record, bool metered = false);

struct Anomaly {
  std::string metric;  // "cost", "turns", "output_tokens"
  double value = 0;
  double median = 0;
  std::string text;  // "cost 6.2x the run's median"
};

// A metric's value for people: "$0.8123", "31 turns", "52000 output tokens".
std::string anomaly_value_text(const std::string& metric, double value);

// The run's usual figures: the median and median absolute deviation of each metric.
class AnomalyBaseline {
 public:
  static constexpr size_t kMinIterations = 5;
  static constexpr double kDeviations = 5;

  // None while the run has fewer than kMinIterations iterations. The cost's median is over
  // the iterations on `model`, and cost is not checked while there are fewer than
  // kMinIterations of them.
  static std::optional<AnomalyBaseline> of(const std::vector<IterationFigures>& run, double factor,
                                           const std::string& model = "");

  // The metrics of `figures` that are anomalous, in the order cost, turns, output tokens.
  std::vector<Anomaly> check(const IterationFigures& figures) const;

 private:
  struct Spread {
    double median = 0;
    double deviation = 0;  // median absolute deviation
  };
  double factor_ = 4;
  Spread cost_, turns_, output_;
};

}  // namespace ralph::meter
