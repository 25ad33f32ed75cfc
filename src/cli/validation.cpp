#include "cli/validation.hpp"

#include <fmt/format.h>

#include "agent/process.hpp"

namespace ralph::cli {

void print_problems(const plan::Problems& problems) {
  for (const auto& problem : problems) {
    fmt::print(stderr, "ralph: error: {}\n", problem.to_string());
  }
}

std::optional<std::string> missing_agent_message(const std::string& agent) {
  if (agent::find_executable(agent)) return std::nullopt;
  return fmt::format(
      "the agent executable \"{}\" was not found{}: install Claude Code "
      "(npm install -g @anthropic-ai/claude-code) or pass --agent PATH",
      agent, agent.find('/') == std::string::npos ? " on PATH" : "");
}

}  // namespace ralph::cli
