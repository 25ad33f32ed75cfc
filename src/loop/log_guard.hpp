// The cost log's guard (README "Budgets"): the agent can delete or truncate
// .ralph/iterations.jsonl like any file. Before each append ralph checks that the log is still
// as long as ralph left it; when it is not, ralph rebuilds it from what is left of it and this
// repository's records in the user-level ledger, and says so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "budget/ledger.hpp"
#include "meter/cost_log.hpp"

namespace ralph::loop {

class LogGuard {
 public:
  // `ledger`: none, nothing to restore from (the guard then only warns).
  LogGuard(const meter::CostLog& log, budget::Ledger* ledger, std::string repo)
      : log_(log), ledger_(ledger), repo_(std::move(repo)) {}

  // The log is as ralph wants it now: after an append, and when a run starts.
  void mark();
  // Before an append: when the log shrank or went away, restores what the ledger holds of this
  // repository and returns the warning to show.
  std::optional<std::string> check();
  // When a run is resumed (the log may have gone with a crash): restores what the ledger holds
  // of this repository and the log lacks, and returns the warning to show.
  std::optional<std::string> restore_missing();

 private:
  std::optional<std::string> restore(const std::string& what, bool shrank);
  const meter::CostLog& log_;
  budget::Ledger* ledger_;
  std::string repo_;
  uint64_t size_ = 0;
};

}  // namespace ralph::loop
