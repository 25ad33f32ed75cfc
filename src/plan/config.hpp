// plans/ralph.json: the run options a person keeps with the plan (README "Configuration").
// Every key mirrors a `ralph run` flag; a flag given on the command line wins.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plan/problem.hpp"

namespace ralph::plan {

struct Config {
  std::optional<int> max_iterations;
  std::optional<double> budget;
  std::optional<double> iteration_budget;
  std::optional<std::string> model;
  std::optional<std::string> agent;
  std::vector<std::string> agent_args;
  std::optional<int> iteration_timeout;
  std::optional<int> idle_timeout;  // seconds; 0 turns it off
  std::optional<int> result_grace;  // seconds the agent may take to exit after its result
  std::optional<bool> no_commit;
  std::optional<std::string> on_history_rewrite;  // "warn" or "halt"
  std::optional<int> stall_after;
  std::optional<int> max_wait;
  std::optional<int> max_agent_failures;
  nlohmann::json pricing = nlohmann::json::object();  // model -> prices, overriding the table
  std::vector<std::string> allow_secret_files;        // globs of secret-looking files to commit
  // Lifecycle hooks (README "Hooks"): event -> executables, relative to the repository root.
  std::map<std::string, std::vector<std::string>> hooks;
  std::optional<int> hook_timeout;  // seconds one hook may run
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
