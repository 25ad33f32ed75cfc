// The plan: plans/prd.json, in the widely used Ralph format (README "The plan").
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/problem.hpp"

namespace ralph::plan {

struct PlanItem {
  std::string id;
  std::string title;
  std::string description;
  std::vector<std::string> acceptance_criteria;
  std::optional<std::string> model;
  // ralph's extensions (README "The plan"): this item's own per-item limits.
  std::optional<int> max_iterations;  // "maxIterations"
  std::optional<double> budget_usd;   // "budgetUsd"
  // "dependsOn": ids of items that must pass before this one starts (README "The plan").
  std::vector<std::string> depends_on;
  double priority = 0;  // lower goes first; items without one keep file order after those with one
  bool has_priority = false;
  bool passes = false;
};

struct Plan {
  std::string project;
  std::string branch_name;  // empty: work on the current branch
  std::vector<PlanItem> items;
};

// Parses and checks a prd.json text. Every problem found is appended to `problems`
// (file, line, column, what to do); the plan is returned only when there were none.
std::optional<Plan> parse_plan(std::string_view text, const std::string& file_name,
                               Problems& problems);

// The next item to work on: `passes: false` with the lowest priority, then file order, among
// those whose `dependsOn` items all pass. Items in `skip` are passed over.
const PlanItem* next_item(const Plan& plan, const std::set<std::string>& skip = {});

// The first item `item` depends on that does not pass, if any.
const PlanItem* unmet_dependency(const Plan& plan, const PlanItem& item);

std::set<std::string> passing_ids(const Plan& plan);
bool all_pass(const Plan& plan);

}  // namespace ralph::plan
