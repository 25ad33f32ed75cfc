#include "loop/halt.hpp"

#include <array>
#include <utility>

namespace ralph::loop {

namespace {

constexpr std::array<std::pair<HaltReason, const char*>, 8> kNames = {{
    {HaltReason::kComplete, "complete"},
    {HaltReason::kError, "error"},
    {HaltReason::kBadInput, "bad_input"},
    {HaltReason::kBudget, "budget"},
    {HaltReason::kMaxIterations, "max_iterations"},
    {HaltReason::kStalled, "stalled"},
    {HaltReason::kAgentFatal, "agent_fatal"},
    {HaltReason::kInterrupted, "interrupted"},
}};

}  // namespace

int exit_code(HaltReason reason) {
  switch (reason) {
    case HaltReason::kComplete:
      return 0;
    case HaltReason::kError:
      return 1;
    case HaltReason::kBadInput:
      return 2;
    case HaltReason::kBudget:
      return 3;
    case HaltReason::kMaxIterations:
      return 4;
    case HaltReason::kStalled:
      return 5;
    case HaltReason::kAgentFatal:
      return 6;
    case HaltReason::kInterrupted:
      return 130;
  }
  return 1;
}

std::string halt_name(HaltReason reason) {
  for (const auto& [r, name] : kNames) {
    if (r == reason) return name;
  }
  return "error";
}

std::optional<HaltReason> halt_from_name(const std::string& name) {
  for (const auto& [r, n] : kNames) {
    if (name == n) return r;
  }
  return std::nullopt;
}

}  // namespace ralph::loop
