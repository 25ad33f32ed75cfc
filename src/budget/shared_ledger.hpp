// The ledger in PostgreSQL as budget::Ledger uses it (README "A shared ledger in PostgreSQL"):
// a connection made again when it is lost (at most every few seconds, so a database that does
// not answer never slows the metering down), an outbox file of the records the database could
// not take, sent before anything is read (the database keys records by run id and iteration, so
// a record sent twice counts once), and this loop's live row with a heartbeat.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "budget/ledger.hpp"
#include "budget/pg_ledger.hpp"

namespace ralph::budget {

// A live row not refreshed for this long is a gone loop's (a machine that died, a network cut).
inline constexpr std::chrono::seconds kLiveStaleAfter{60};
// How often a running loop's live row is refreshed when its cost does not change (a long tool
// call): well within kLiveStaleAfter.
inline constexpr std::chrono::seconds kHeartbeatEvery{10};

// The file ledger's line format, which the outbox shares: `record` of `repo`, appended under
// flock and fsynced; every line of the file at `path`, in order.
Status append_ledger_line(const std::filesystem::path& path, const std::string& repo,
                          const meter::IterationRecord& record);
Status read_ledger_lines(
    const std::filesystem::path& path,
    const std::function<void(const std::string& repo, const meter::IterationRecord&)>& visit);

class SharedLedger {
 public:
  SharedLedger(std::string url, std::filesystem::path outbox);
  ~SharedLedger();  // this loop's live row goes
  SharedLedger(const SharedLedger&) = delete;
  SharedLedger& operator=(const SharedLedger&) = delete;

  const std::string& where() const { return redacted_; }
  // Writes the record to the outbox (fsynced), then sends the outbox: a crash at any point
  // leaves the record in one or both, and the database keeps it once.
  Status append(const std::string& repo, const meter::IterationRecord& record);
  // Sends the outbox, then adds the rows after the last read to `entries` and reads the other
  // loops' live spend, in one snapshot. `may_connect` false (while an agent runs): a lost
  // connection is not made again now, so the metering never waits for a connection.
  Status refresh(std::vector<LedgerEntry>& entries, bool may_connect);
  double others_live() const { return others_live_; }
  Status for_each_record(
      const std::function<void(const std::string& repo, const meter::IterationRecord&)>& visit);
  Result<std::vector<meter::IterationRecord>> records_of(const std::string& repo);
  // False when the database did not take it.
  bool publish_live(const std::string& repo, const std::string& run_id, double usd,
                    bool may_connect);
  // A cap check's lock and transaction; false when the database does not answer.
  bool begin_check();
  void end_check();
  std::optional<std::string> take_note();

 private:
  // The connection, made again if it was lost and the last try is long enough ago (and
  // `may_connect`: the first connection is made either way); none when the database does not
  // answer (last_error_ says why).
  PgLedger* link(bool may_connect = true);
  // The connection broke (`why`): it is made again later.
  void lost(const std::string& why);
  Status replay(PgLedger& db);

  std::string url_;
  std::string redacted_;
  std::filesystem::path outbox_;
  std::string loop_id_;  // this loop's live row
  std::unique_ptr<PgLedger> db_;
  std::optional<std::chrono::steady_clock::time_point> last_try_;
  std::chrono::seconds retry_after_{0};  // doubles with each failed try, to a limit
  std::string last_error_;
  int64_t last_row_ = 0;
  std::set<int64_t> seen_;  // the rows read at or above last_row_ - kRowWindow
  double others_live_ = 0;
  bool in_check_ = false;
  bool live_row_ = false;  // published at least once
  double published_ = -1;
  std::chrono::steady_clock::time_point published_at_;
  bool unreachable_noted_ = false;
  int fresh_ = 0;  // of the outbox, records appended just now: sent without a note
  std::optional<std::string> note_;
};

}  // namespace ralph::budget
