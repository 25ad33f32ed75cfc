// The run budget as a hard cap (README "Budgets"): what is left, when to stop the agent live, when
// not to start another iteration, and the 50/80/95% warnings.
#pragma once

#include <optional>
#include <vector>

namespace ralph::loop {

class Budget {
 public:
  // `cap`: none means unlimited. `spent`: what earlier iterations of the run cost.
  explicit Budget(std::optional<double> cap, double spent = 0) : cap_(cap), spent_(spent) {}

  std::optional<double> cap() const { return cap_; }
  double spent() const { return spent_; }
  std::optional<double> remaining() const;

  // Whether a live figure for the current iteration takes the run past its cap.
  bool exceeded_by(double current_iteration_cost) const;

  // Whether another iteration may start: there is budget left, and at least as much as the
  // cheapest iteration of the run so far.
  bool can_start_iteration() const;

  // Books a finished iteration.
  void add_iteration(double cost);

  // The warning thresholds (0.5, 0.8, 0.95) crossed by a spend of `spent_so_far` that had not
  // been crossed before; each is reported once.
  std::vector<double> new_warnings(double spent_so_far);

 private:
  std::optional<double> cap_;
  double spent_;
  std::optional<double> cheapest_;
  int warned_ = 0;  // how many thresholds were reported
};

}  // namespace ralph::loop
