// `ralph validate`: check the plan folder and the agent, print every problem, and say where
// the price of each configured model comes from (README.md, "Prices").
#include <fmt/format.h>

#include "agent/process.hpp"
#include "cli/commands.hpp"
#include "cli/model_prices.hpp"
#include "cli/project.hpp"
#include "cli/validation.hpp"
#include "plan/hook_files.hpp"

namespace ralph::cli {

int run_validate(const ValidateArgs& args) {
  auto project = locate_project(args.plan_dir);
  if (!project) return fail(2, project.message());
  plan::Problems problems;
  auto loaded = plan::load_plan_folder(project->plan, problems);
  if (loaded) plan::check_hook_files(project->plan, loaded->config, project->root, problems);
  std::string agent = loaded ? *loaded->config.settings.text("agent") : "claude";
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
  for (const auto& price : model_price_sources(project->plan, *loaded)) {
    fmt::print("price of {}: {}\n", price.label, price.source);
    if (!price.known()) fmt::print(stderr, "ralph: warning: {}\n", price.warning);
  }
  return 0;
}

}  // namespace ralph::cli
