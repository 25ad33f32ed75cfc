// Why a run stopped, and the exit code that says it (README "Exit codes").
#pragma once

#include <optional>
#include <string>

namespace ralph::loop {

enum class HaltReason {
  kComplete,
  kError,
  kBadInput,
  kBudget,
  kMaxIterations,
  kStalled,
  kAgentFatal,
  kInterrupted,
};

int exit_code(HaltReason reason);
std::string halt_name(HaltReason reason);  // complete, error, bad_input, ...
std::optional<HaltReason> halt_from_name(const std::string& name);

struct Halt {
  HaltReason reason;
  std::string detail;  // one line for people: what happened and what to do
};

}  // namespace ralph::loop
