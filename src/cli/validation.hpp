// Reporting problems with the user's input the same way in every command.
#pragma once

#include <optional>
#include <string>

#include "plan/problem.hpp"

namespace ralph::cli {

// One line per problem on stderr: "ralph: error: FILE:LINE:COL: what to do".
void print_problems(const plan::Problems& problems);

// Why `agent` cannot be started, or nullopt when it is an executable on PATH.
std::optional<std::string> missing_agent_message(const std::string& agent);

}  // namespace ralph::cli
