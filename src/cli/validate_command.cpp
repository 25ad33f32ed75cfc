// `ralph validate`: check the plan folder and the agent, print every problem, and say where
// the price of each configured model comes from (README.md, "Prices"). With --explain, each
// item's estimated complexity and the ladder rung it starts on, and why (README "Models").
#include <fmt/format.h>

#include "agent/process.hpp"
#include "cli/commands.hpp"
#include "cli/model_prices.hpp"
#include "cli/project.hpp"
#include "cli/validation.hpp"
#include "plan/complexity.hpp"
#include "plan/hook_files.hpp"

namespace ralph::cli {

namespace {

// One line per item that does not pass: its estimate, the tier and model it starts on, why.
void explain(const Project& project, const plan::LoadedPlan& loaded) {
  const plan::Settings& settings = loaded.config.settings;
  const std::vector<std::string> ladder = settings.list("models");
  const bool lowest = settings.text("start_tier").value_or("lowest") != "auto";
  auto learned = plan::learn_history_from_log(project.root / ".ralph" / "iterations.jsonl",
                                              loaded.plan, loaded.config.complexity_rules);
  if (!learned) {
    fmt::print(stderr, "ralph: warning: {}; explaining without the history of past runs\n",
               learned.message());
  }
  const auto history = learned ? *learned : std::map<plan::Complexity, plan::LevelHistory>{};
  const int size = static_cast<int>(ladder.size());
  auto rung = [&](int tier) { return fmt::format("tier {} {}", tier, ladder[tier]); };

  for (const auto& item : loaded.plan.items) {
    if (item.passes) continue;
    const plan::Estimate estimate = plan::estimate_complexity(item, loaded.config.complexity_rules);
    std::string line = fmt::format("{}  {}", item.id, plan::estimate_summary(estimate));
    if (item.model) {
      if (ladder.empty()) {
        line += fmt::format(
            " -> {} (its prd.json \"model\"); no ladder (ralph.json \"models\" is "
            "not set)",
            *item.model);
      } else if (auto index = plan::ladder_index(ladder, *item.model, loaded.pricing)) {
        line += fmt::format(" -> {} (its prd.json \"model\" \"{}\")", rung(*index), *item.model);
      } else {
        line += fmt::format(
            " -> {} (its prd.json \"model\", not on the ladder: used alone, no escalation)",
            *item.model);
      }
    } else if (ladder.empty()) {
      line += "; no ladder (ralph.json \"models\" is not set)";
    } else {
      const plan::StartTier start = plan::auto_start_tier(estimate, history, size);
      const std::string learned = start.from_history.empty() ? "" : ": " + start.from_history;
      if (!lowest) {
        line += fmt::format(" -> {}{}", rung(start.tier), learned);
      } else if (start.tier == 0) {
        line += fmt::format(" -> {} under start_tier \"lowest\", and under \"auto\" too{}", rung(0),
                            learned);
      } else {
        line +=
            fmt::format(" -> {} under start_tier \"lowest\"; under \"auto\" it would start on {}{}",
                        rung(0), rung(start.tier), learned);
      }
    }
    fmt::print("{}\n", line);
  }

  if (history.empty()) {
    fmt::print("history: no item has passed in .ralph/iterations.jsonl yet\n");
  }
  for (const auto& [level, seen] : history) {
    fmt::print("history: {} items passed in {:.1f} iterations, ${:.2f} on average ({} item{}{})\n",
               plan::complexity_name(level), seen.iterations, seen.cost_usd, seen.items,
               seen.items == 1 ? "" : "s",
               seen.tier ? fmt::format("; median tier {}", *seen.tier) : "");
  }
}

}  // namespace

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
  for (const auto& warning : ladder_warnings(project->plan, *loaded)) {
    fmt::print(stderr, "ralph: warning: {}\n", warning);
  }
  if (args.explain) explain(*project, *loaded);
  return 0;
}

}  // namespace ralph::cli
