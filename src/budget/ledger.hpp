// The user-level ledger (README "Budgets"): a second copy of every iteration record of every
// repository a user runs ralph in, so the daily, weekly and monthly caps hold across runs and
// repositories, and a cost log an agent deleted can be restored. One JSON line per record, the
// record's own fields after "repo" (the repository's absolute path), appended under flock and
// fsynced. Beside it, `live/` holds one small file per running loop with the cost of its
// running iteration, rewritten at every metered turn, so concurrent loops see each other's
// spend before it is recorded.
//
// The ledger may be a PostgreSQL database instead (README "A shared ledger in PostgreSQL"),
// shared by loops on many machines; then the file is its outbox: what the database could not
// take yet, sent once it answers (budget/shared_ledger.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "budget/periods.hpp"
#include "meter/record.hpp"
#include "util/fd.hpp"
#include "util/result.hpp"

namespace ralph::budget {

using Env = std::function<const char*(const char*)>;

// Where the ledger is: $RALPH_LEDGER, else `setting` (ralph.json "ledger"), else the user's file
// (ledger_path). A path, or a database's URL (is_database_url). `env` looks a variable up (none:
// unset).
std::string ledger_location(const std::optional<std::string>& setting, const Env& env);
// The user's file: $XDG_STATE_HOME/ralph/ledger.jsonl, else
// $HOME/.local/state/ralph/ledger.jsonl.
std::filesystem::path ledger_path(const Env& env);

class SharedLedger;

// What the caps and `ralph spend` need of one ledger line.
struct LedgerEntry {
  std::string repo;
  WallTime ended;  // when the money was spent: the record's ended_at
  double cost_usd = 0;
  std::string machine;  // the file's: this machine
  std::string user;
};

class Ledger {
 public:
  // The ledger in the file at `path`.
  explicit Ledger(std::filesystem::path path);
  // The ledger in the database at `url`, with its outbox in the file at `outbox`.
  Ledger(const std::string& url, std::filesystem::path outbox);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // The ledger at ledger_location(setting, env); a database's outbox beside the user's file.
  static std::unique_ptr<Ledger> open(const std::optional<std::string>& setting, const Env& env);

  bool shared() const { return shared_ != nullptr; }
  // The file, or the database's URL without its password: for people.
  std::string where() const;
  // The file (a database's: its outbox).
  const std::filesystem::path& path() const { return path_; }

  // Appends `record` of the repository at `repo`: flock, append, fsync. A database that does not
  // answer: the record waits in the outbox (see take_note).
  Status append(const std::string& repo, const meter::IterationRecord& record);
  // Reads the lines appended since the last refresh (all of them the first time), and the live
  // spend of the other loops. A database's: first sends what waits in the outbox; an error when
  // it does not answer. `may_connect` false (while an agent runs, at every metered turn): a
  // lost connection is not made again now, so the metering never waits for one.
  Status refresh(bool may_connect = true);
  const std::vector<LedgerEntry>& entries() const { return entries_; }
  // What every repository spent in [from, to), from what was read.
  double spent(WallTime from, WallTime to) const;
  // Every record of the repository at `repo` (a database's: of this machine), in ledger order.
  Result<std::vector<meter::IterationRecord>> records_of(const std::string& repo) const;
  // Calls `visit` with every record of every repository, in ledger order, read from the file;
  // the record is reused for the next line.
  Status for_each_record(const std::function<void(const std::string& repo,
                                                  const meter::IterationRecord&)>& visit) const;

  // This loop's running iteration cost `usd` so far (0 when none runs), for the other loops;
  // false when it could not be published. `may_connect`: as for refresh.
  bool publish_live(const std::string& repo, const std::string& run_id, double usd,
                    bool may_connect = true);
  // The live cost of every other running loop. A loop that is gone (its lock is free; a
  // database's: its heartbeat is stale) is not counted, and its file is removed.
  double others_live() const;

  // A cap check (README "A shared ledger in PostgreSQL"): while one is held, no other loop of
  // the ledger checks a cap, and what this one publishes (its reservation) is seen by the next.
  class Check {
   public:
    explicit Check(Ledger* ledger);  // none: nothing to hold
    ~Check();
    Check(const Check&) = delete;
    Check& operator=(const Check&) = delete;
    // Whether the check holds the lock; a check that does not must not let an iteration start.
    bool held() const { return held_; }

   private:
    Ledger* ledger_;
    UniqueFd lock_;
    bool held_ = false;
  };

  // A database's: how many records wait in the outbox, not sent yet (the file's: none).
  int waiting() const;

  // What people should know of the ledger since last asked: a database that stopped answering,
  // or answers again.
  std::optional<std::string> take_note();

 private:
  std::filesystem::path path_;
  std::unique_ptr<SharedLedger> shared_;
  uint64_t offset_ = 0;
  std::vector<LedgerEntry> entries_;
  std::filesystem::path live_file_;  // this loop's, once published
  UniqueFd live_lock_;               // held while this loop runs
  double published_ = -1;
};

}  // namespace ralph::budget
