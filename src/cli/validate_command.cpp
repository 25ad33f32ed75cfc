// `ralph validate`: check the plan folder and the agent, print every problem, and say where
// the price of each configured model comes from (README.md, "Prices").
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "agent/process.hpp"
#include "cli/commands.hpp"
#include "cli/project.hpp"
#include "cli/validation.hpp"
#include "plan/hook_files.hpp"

namespace ralph::cli {

namespace {

// The models the plan runs: ralph.json's `model`, each item's own, and the agent's default
// for items that name none when ralph.json names none either ("" stands for it).
std::vector<std::string> configured_models(const plan::LoadedPlan& loaded) {
  std::vector<std::string> models;
  auto add = [&](const std::string& model) {
    if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
  };
  const std::string fallback = loaded.config.model.value_or("");
  if (loaded.config.model) add(*loaded.config.model);
  bool any_default = loaded.plan.items.empty();
  for (const auto& item : loaded.plan.items) {
    if (item.model) add(*item.model);
    any_default = any_default || !item.model;
  }
  if (any_default) add(fallback);
  return models;
}

std::string source_text(const meter::PriceLookup& found) {
  switch (found.source) {
    case meter::PriceSource::kExact:
      return "exact";
    case meter::PriceSource::kAlias:
      return "alias of " + found.priced_as;
    case meter::PriceSource::kRename:
      return "rename of " + found.priced_as;
    case meter::PriceSource::kPrefix:
      return found.matched == found.priced_as
                 ? "prefix of " + found.matched
                 : fmt::format("prefix of {} (priced as {})", found.matched, found.priced_as);
    case meter::PriceSource::kFamilyFallback:
      return fmt::format("family fallback (priced as the dearest {})", found.matched);
    case meter::PriceSource::kUnknown:
      break;
  }
  return "unknown (priced as the dearest model)";
}

// One line per model on stdout; a warning on stderr for each model the table does not know.
void print_prices(const plan::LoadedPlan& loaded) {
  const meter::PricingTable& pricing = loaded.pricing;
  for (const std::string& configured : configured_models(loaded)) {
    std::string model = configured;
    std::string label = configured;
    if (configured.empty()) {
      model = pricing.default_model();
      label =
          fmt::format("{} (the agent's default with Claude Code {})", model, pricing.probed_with());
    }
    meter::PriceLookup found = pricing.lookup(model);
    fmt::print("price of {}: {}\n", label, source_text(found));
    if (found.source != meter::PriceSource::kFamilyFallback &&
        found.source != meter::PriceSource::kUnknown) {
      continue;
    }
    std::string priced_as = found.source == meter::PriceSource::kUnknown
                                ? "the dearest model of the table"
                                : fmt::format("the dearest {} model", found.matched);
    fmt::print(stderr,
               "ralph: warning: the pricing table has no price for \"{}\": the meter prices it "
               "as {}, so budget caps may stop iterations early. Give it a \"pricing\" entry "
               "in plans/ralph.json, or re-probe the table with scripts/probe-prices.sh if "
               "Claude Code knows it\n",
               model, priced_as);
  }
}

}  // namespace

int run_validate(const ValidateArgs& args) {
  auto project = locate_project(args.plan_dir);
  if (!project) return fail(2, project.message());
  plan::Problems problems;
  auto loaded = plan::load_plan_folder(project->plan, problems);
  if (loaded) plan::check_hook_files(project->plan, loaded->config, project->root, problems);
  std::string agent = loaded && loaded->config.agent ? *loaded->config.agent : "claude";
  if (auto missing = missing_agent_message(agent)) {
    problems.push_back(plan::Problem{"agent", std::nullopt, *missing});
  }
  if (!problems.empty()) {
    print_problems(problems);
    return 2;
  }
  size_t passing = plan::passing_ids(loaded->plan).size();
  fmt::print("{}: ok ({} items, {} passing; agent {})\n", project->plan.display_dir,
             loaded->plan.items.size(), passing, agent);
  print_prices(*loaded);
  return 0;
}

}  // namespace ralph::cli
