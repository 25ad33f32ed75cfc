// plans/ralph.json: the run options a person keeps with the plan (README "Configuration").
// Most keys are run settings (plan/settings.hpp), which a `ralph run` flag may override.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/complexity.hpp"
#include "plan/problem.hpp"
#include "plan/settings.hpp"

namespace ralph::plan {

struct Config {
  Settings settings;  // the run settings it sets (plan/settings.hpp)
  std::vector<std::string> agent_args;
  nlohmann::json pricing = nlohmann::json::object();  // model -> prices, overriding the table
  std::vector<std::string> allow_secret_files;        // globs of secret-looking files to commit
  // Lifecycle hooks (README "Hooks"): event -> executables, relative to the repository root.
  std::map<std::string, std::vector<std::string>> hooks;
  // How items' complexity is estimated under start_tier "auto" (README "Models").
  ComplexityRules complexity_rules = ComplexityRules::defaults();
};

// The hook events (README "Hooks"), in the order a run meets them.
const std::vector<std::string>& hook_events();

// The keys ralph.json accepts.
const std::vector<std::string>& config_keys();

// Parses and checks a ralph.json text; problems are appended, the config is returned when
// there were none.
std::optional<Config> parse_config(std::string_view text, const std::string& file_name,
                                   Problems& problems);

}  // namespace ralph::plan
