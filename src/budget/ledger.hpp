// The user-level ledger (README "Budgets"): a second copy of every iteration record of every
// repository a user runs ralph in, so the daily, weekly and monthly caps hold across runs and
// repositories, and a cost log an agent deleted can be restored. One JSON line per record, the
// record's own fields after "repo" (the repository's absolute path), appended under flock and
// fsynced. Beside it, `live/` holds one small file per running loop with the cost of its
// running iteration, rewritten at every metered turn, so concurrent loops see each other's
// spend before it is recorded.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "budget/periods.hpp"
#include "meter/record.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace ralph::budget {

// $RALPH_LEDGER; else $XDG_STATE_HOME/ralph/ledger.jsonl; else
// $HOME/.local/state/ralph/ledger.jsonl. `env` looks a variable up (none: unset).
std::filesystem::path ledger_path(const std::function<const char*(const char*)>& env);

// What the caps need of one ledger line.
struct LedgerEntry {
  std::string repo;
  WallTime ended;  // when the money was spent: the record's ended_at
  double cost_usd = 0;
};

class Ledger {
 public:
  explicit Ledger(std::filesystem::path path);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Appends `record` of the repository at `repo`: flock, append, fsync.
  Status append(const std::string& repo, const meter::IterationRecord& record);
  // Reads the lines appended since the last refresh (all of them the first time).
  Status refresh();
  const std::vector<LedgerEntry>& entries() const { return entries_; }
  // What every repository spent in [from, to), from what was read.
  double spent(WallTime from, WallTime to) const;
  // Every record of the repository at `repo`, in ledger order, read from the file.
  Result<std::vector<meter::IterationRecord>> records_of(const std::string& repo) const;
  // Calls `visit` with every record of every repository, in ledger order, read from the file;
  // the record is reused for the next line.
  Status for_each_record(const std::function<void(const std::string& repo,
                                                  const meter::IterationRecord&)>& visit) const;

  // This loop's running iteration cost `usd` so far (0 when none runs), for the other loops.
  void publish_live(const std::string& repo, const std::string& run_id, double usd);
  // The live cost of every other running loop. A loop that is gone (its lock is free) is not
  // counted, and its file is removed.
  double others_live() const;

 private:
  std::filesystem::path path_;
  uint64_t offset_ = 0;
  std::vector<LedgerEntry> entries_;
  std::filesystem::path live_file_;  // this loop's, once published
  UniqueFd live_lock_;               // held while this loop runs
  double published_ = -1;
};

}  // namespace ralph::budget
