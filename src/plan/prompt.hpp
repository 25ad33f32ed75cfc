// The prompt given to the agent each iteration: plans/PROMPT.md with {{placeholders}} filled.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "plan/prd.hpp"
#include "plan/problem.hpp"

namespace ralph::plan {

using PromptValues = std::map<std::string, std::string>;

// The placeholders a template may use.
const std::vector<std::string>& prompt_placeholders();

// The values for one iteration.
PromptValues prompt_values(const std::string& plan_dir, const PlanItem& item, int iteration,
                           const std::string& run_id);

// Replaces every {{name}} with its value; unknown names are left as they are.
std::string render_prompt(std::string_view templ, const PromptValues& values);

// Problems for placeholders that are not known (a typo would otherwise reach the agent).
void check_prompt(std::string_view templ, const std::string& file_name, Problems& problems);

}  // namespace ralph::plan
