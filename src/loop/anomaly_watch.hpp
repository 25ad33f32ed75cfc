// The run's anomaly watch (README "Anomalies"): the figures of its items' tries so far, and for
// the running iteration the metrics flagged so far, each once. Live figures come from the meter
// and are held to the run's metered costs; the record's to its recorded costs (the agent's own,
// when it gave them). The statistics are meter/anomaly.hpp's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "meter/anomaly.hpp"
#include "meter/record.hpp"

namespace ralph::loop {

class AnomalyWatch {
 public:
  explicit AnomalyWatch(double factor) : factor_(factor) {}

  // A try of the run ended (or was on the log before a resume); `model`: the table's name of
  // its model. Its figures count from the next iteration on.
  void add(const meter::IterationRecord& record, const std::string& model);
  // The next iteration starts: nothing of it is flagged yet.
  void start_iteration();
  // What `figures` flags that was not flagged yet in this iteration; `live`: the meter's.
  std::vector<meter::Anomaly> check(const meter::IterationFigures& figures, bool live);
  const std::vector<meter::Anomaly>& flagged() const { return flagged_; }

 private:
  // A baseline for one model, computed when first asked for.
  struct Baseline {
    std::optional<meter::AnomalyBaseline> of;
    std::string model;
    bool known = false;
  };

  double factor_;
  std::vector<meter::IterationFigures> recorded_;  // the tries' recorded costs
  std::vector<meter::IterationFigures> metered_;   // and their metered costs
  Baseline live_, record_;
  std::vector<meter::Anomaly> flagged_;
};

}  // namespace ralph::loop
