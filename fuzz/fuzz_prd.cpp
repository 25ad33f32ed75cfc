// Fuzzes the plan parser (plans/prd.json is written by people and rewritten by the agent) and
// what the loop asks of a parsed plan.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hpp"
#include "plan/prd.hpp"
#include "plan/prompt.hpp"

namespace {

using ralph::plan::Plan;
using ralph::plan::PlanItem;

void check_problems(const ralph::plan::Problems& problems) {
  for (const auto& problem : problems) {
    RALPH_FUZZ_CHECK(!problem.to_string().empty());
    if (problem.pos) RALPH_FUZZ_CHECK(problem.pos->line >= 1 && problem.pos->column >= 1);
  }
}

// What next_item promises, written the slow and obvious way: not passing, the lowest priority
// among the items that have one, then file order.
const PlanItem* expected_next(const Plan& plan) {
  const PlanItem* best = nullptr;
  for (const auto& item : plan.items) {
    if (item.passes) continue;
    if (best == nullptr || (item.has_priority && !best->has_priority) ||
        (item.has_priority && best->has_priority && item.priority < best->priority)) {
      best = &item;
    }
  }
  return best;
}

void check_plan(const Plan& plan) {
  const PlanItem* next = ralph::plan::next_item(plan);
  RALPH_FUZZ_CHECK(next == expected_next(plan));
  RALPH_FUZZ_CHECK((next == nullptr) == ralph::plan::all_pass(plan));
  // Ids are required and unique, so each passing item gives one id.
  auto passing = ralph::plan::passing_ids(plan);
  auto passes = std::count_if(plan.items.begin(), plan.items.end(),
                              [](const PlanItem& item) { return item.passes; });
  RALPH_FUZZ_CHECK(passing.size() == static_cast<size_t>(passes));
  if (next == nullptr) return;
  RALPH_FUZZ_CHECK(!next->passes && passing.count(next->id) == 0);
  // The item's text reaches the agent through the prompt.
  auto values = ralph::plan::prompt_values("plans", *next, 1, "20250101-000000");
  std::string prompt = ralph::plan::render_prompt(
      "Work on {{item_id}}: {{item_title}}\n{{item_description}}\n{{acceptance_criteria}}", values);
  RALPH_FUZZ_CHECK(prompt.find(next->title) != std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ralph::plan::Problems problems;
  auto plan = ralph::plan::parse_plan(text, "plans/prd.json", problems);
  // The plan comes back exactly when nothing is wrong with it.
  RALPH_FUZZ_CHECK(plan.has_value() == problems.empty());
  check_problems(problems);
  if (plan) check_plan(*plan);
  return 0;
}
