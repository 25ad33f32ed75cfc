// Fuzzes the run options (plans/ralph.json) with their pricing overrides, and the prompt
// template (plans/PROMPT.md): both are written by people.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hpp"
#include "meter/pricing.hpp"
#include "plan/config.hpp"
#include "plan/prompt.hpp"

namespace {

using ralph::meter::PricingTable;

const PricingTable& builtin_pricing() {
  static const PricingTable table = PricingTable::builtin();
  return table;
}

void check_problems(const ralph::plan::Problems& problems) {
  for (const auto& problem : problems) {
    RALPH_FUZZ_CHECK(!problem.to_string().empty());
    if (problem.pos) RALPH_FUZZ_CHECK(problem.pos->line >= 1 && problem.pos->column >= 1);
  }
}

void check_pricing(const nlohmann::json& overrides) {
  PricingTable table = builtin_pricing();
  ralph::Status applied = table.apply_overrides(overrides);
  RALPH_FUZZ_CHECK(applied || !applied.message().empty());
  // Past the long-context threshold of the built-in haiku, to reach that tier too.
  const ralph::meter::Usage usage{150000, 2000, 30000, 40000};
  for (const auto& [model, entry] : overrides.items()) {
    if (applied) RALPH_FUZZ_CHECK(table.knows(model));
    RALPH_FUZZ_CHECK(!(table.turn_cost(model, usage) < 0));
  }
  for (const char* model : {"claude-sonnet-5-5-20260101", "opus", "unknown-model", ""}) {
    RALPH_FUZZ_CHECK(!(table.turn_cost(model, usage) < 0));
  }
}

void check_prompt_template(std::string_view templ) {
  ralph::plan::Problems problems;
  ralph::plan::check_prompt(templ, "plans/PROMPT.md", problems);
  check_problems(problems);
  ralph::plan::PlanItem item;
  item.id = "US-001";
  item.title = "A {{title}} with braces";
  item.description = "}}{{";
  item.acceptance_criteria = {"one", "{{item_id}}"};
  auto values = ralph::plan::prompt_values("plans", item, 7, "20250101-000000");
  std::string prompt = ralph::plan::render_prompt(templ, values);
  // Only placeholders are replaced.
  if (templ.find("{{") == std::string_view::npos) RALPH_FUZZ_CHECK(prompt == templ);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ralph::plan::Problems problems;
  auto config = ralph::plan::parse_config(text, "plans/ralph.json", problems);
  // The options come back exactly when nothing is wrong with them.
  RALPH_FUZZ_CHECK(config.has_value() == problems.empty());
  check_problems(problems);
  if (config) {
    RALPH_FUZZ_CHECK(config->pricing.is_object());
    for (const auto& [event, hooks] : config->hooks) {
      RALPH_FUZZ_CHECK(std::find(ralph::plan::hook_events().begin(),
                                 ralph::plan::hook_events().end(),
                                 event) != ralph::plan::hook_events().end());
      for (const auto& hook : hooks) RALPH_FUZZ_CHECK(!hook.empty());
    }
    check_pricing(config->pricing);
  }
  // The same bytes as a prompt template: a person writes that too.
  check_prompt_template(text);
  return 0;
}
