#include "loop/budget_warnings.hpp"

#include <fmt/format.h>

namespace ralph::loop {

void BudgetWarnings::check(Budget& run, const std::string& run_id, int iteration, double run_spent,
                           double iteration_cost) {
  for (double threshold : run.new_warnings(run_spent)) {
    display_.note(fmt::format("ralph: warning: {:.0f}% of the ${:.2f} budget spent (${:.4f})",
                              threshold * 100, *run.cap(), run_spent));
    hooks_.notify(budget_warning_event(run_id, iteration, "run", threshold, run_spent, *run.cap()));
  }
  for (double threshold : iteration_.new_warnings(iteration_cost)) {
    display_.note(fmt::format(
        "ralph: warning: {:.0f}% of the ${:.2f} iteration budget spent in iteration {} (${:.4f})",
        threshold * 100, *iteration_.cap(), iteration, iteration_cost));
    hooks_.notify(budget_warning_event(run_id, iteration, "iteration", threshold, iteration_cost,
                                       *iteration_.cap()));
  }
}

}  // namespace ralph::loop
