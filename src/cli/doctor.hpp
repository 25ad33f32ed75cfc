// `ralph doctor`: everything a long unattended run needs, checked before it starts, one line
// each (README "Checking a setup: ralph doctor").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ralph::cli {

struct Check {
  enum class Level { kOk, kWarn, kFail };
  std::string name;  // "agent", "credentials", ...
  Level level = Level::kOk;
  std::string what;  // what was found
  std::string fix;   // what to do (empty when ok)
};

// Runs every check for the plan folder `plan_dir` (relative to the current folder).
std::vector<Check> run_checks(const std::string& plan_dir);

// "ok", "warn", "fail".
std::string level_name(Check::Level level);
// One line per check, then a summary line.
std::string checks_text(const std::vector<Check>& checks);
nlohmann::json checks_json(const std::vector<Check>& checks);
bool any_failed(const std::vector<Check>& checks);

// The Claude Code version ralph's tests pin (tests/support/package.json), compiled in.
std::string tested_agent_version();

}  // namespace ralph::cli
