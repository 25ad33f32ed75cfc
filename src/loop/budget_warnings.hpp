// The budget warnings (README "Budgets"): at 50%, 80% and 95% of the run's cap (each once per run,
// not again after a resume) and of the iteration's cap (each once per iteration), printed and
// given to on_budget_warning hooks. Checked live while the agent works and once more when the
// iteration is recorded, so a threshold passed in between is still reported.
#pragma once

#include <optional>
#include <string>

#include "loop/budget.hpp"
#include "loop/display.hpp"
#include "loop/hooks.hpp"

namespace ralph::loop {

class BudgetWarnings {
 public:
  BudgetWarnings(Display& display, Hooks& hooks) : display_(display), hooks_(hooks) {}

  // A new iteration with this cap (none: no iteration warnings).
  void start_iteration(std::optional<double> iteration_cap) { iteration_ = Budget(iteration_cap); }

  // Reports what was newly passed: the run's cap at `run_spent` (the run's Budget keeps which
  // thresholds it has reported), the iteration's at `iteration_cost`.
  void check(Budget& run, const std::string& run_id, int iteration, double run_spent,
             double iteration_cost);

 private:
  Display& display_;
  Hooks& hooks_;
  Budget iteration_{std::nullopt};
};

}  // namespace ralph::loop
