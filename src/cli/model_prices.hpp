// Where the price of each model a plan runs comes from (README "Prices"): what `ralph
// validate` prints and `ralph doctor` checks.
#pragma once

#include <string>
#include <vector>

#include "meter/pricing.hpp"
#include "plan/plan_folder.hpp"

namespace ralph::cli {

struct ModelPriceSource {
  std::string label;  // the model as configured, or the agent's default, named
  std::string model;  // the name looked up
  meter::PriceLookup found;
  std::string source;   // "alias of claude-sonnet-5-5", "family fallback (...)"...
  std::string warning;  // for a family fallback or an unknown model: what that means and does
  bool known() const { return warning.empty(); }
};

// One per model the plan runs: ralph.json's `model`, each item's own, and the agent's default
// for items that name none when ralph.json names none either.
std::vector<ModelPriceSource> model_price_sources(const plan::PlanFolder& folder,
                                                  const plan::LoadedPlan& loaded);

// What looks wrong with ralph.json's model ladder (README "Models"), one line each: a model
// listed twice, models not cheapest first (by the table's prices of a typical turn), and a
// `model` that the ladder makes unused.
std::vector<std::string> ladder_warnings(const plan::PlanFolder& folder,
                                         const plan::LoadedPlan& loaded);

}  // namespace ralph::cli
