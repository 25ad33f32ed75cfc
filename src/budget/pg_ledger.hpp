// The ledger in PostgreSQL (README "A shared ledger in PostgreSQL"), through libpq: every
// iteration record of every loop on every machine in one table, keyed by its run id and
// iteration so a record sent twice counts once; each running loop's in-flight spend in a row
// with a heartbeat, ignored once stale; and the schema created and migrated by ralph itself
// (a versioned `ralph_schema` table), under an advisory lock so two loops never migrate at
// once. The loop reaches it through budget::Ledger (budget/ledger.hpp) and SharedLedger
// (budget/shared_ledger.hpp), which keeps what the database could not take in a local outbox.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "meter/record.hpp"
#include "util/result.hpp"

struct pg_conn;

namespace ralph::budget {

// Whether a ledger setting names a PostgreSQL database ("postgresql://..." or "postgres://").
bool is_database_url(std::string_view location);
// The URL with any password replaced by "***", for output, logs and state.json.
std::string redact_database_url(std::string_view url);

// What names the database of `url`, however the URL is spelled: "role@host:port/database"
// (the parts it gives; the password and the other settings left out).
std::string database_identity(const std::string& url);

// Whether the database at `url` is reached off this machine without TLS that checks the
// server's certificate and name (sslmode=verify-full, in the URL or $PGSSLMODE): a password and
// the records then cross the network unchecked.
bool lacks_verified_tls(const std::string& url);

// This machine's name and this process's user: what a row of the shared ledger names.
std::string this_machine();
std::string this_user();

// One record as the shared ledger holds it.
struct SharedEntry {
  int64_t id = 0;  // its row, in the order the database took them
  std::string repo;
  std::string machine;
  std::string user;
  meter::IterationRecord record;
};

class PgLedger {
 public:
  // The schema version this ralph writes and reads.
  static constexpr int kSchemaVersion = 1;

  // Connects to `url` (libpq's URL or key=value form; PGPASSFILE, PGPASSWORD, PGSSLMODE and
  // the other libpq settings apply), waiting `timeout` at most, and creates or migrates the
  // schema. The error names the URL redacted, never its password.
  static Result<std::unique_ptr<PgLedger>> connect(const std::string& url,
                                                   std::chrono::seconds timeout);
  ~PgLedger();
  PgLedger(const PgLedger&) = delete;
  PgLedger& operator=(const PgLedger&) = delete;

  // The schema version the database holds.
  Result<int> schema_version();

  // Adds `record` of the repository at `repo`, run on this machine by this user: true when it
  // was new, false when the database had it already (the same run id and iteration).
  Result<bool> append(const std::string& repo, const meter::IterationRecord& record);
  // Calls `visit` with every entry after row `after`, in row order; gives the last row read.
  Result<int64_t> read_since(int64_t after, const std::function<void(const SharedEntry&)>& visit);

  // This loop's (`loop_id`'s) running iteration costs `usd` so far, now.
  Status publish_live(const std::string& loop_id, const std::string& repo,
                      const std::string& run_id, double usd);
  // This loop is done: its row goes.
  Status end_live(const std::string& loop_id);
  // The live cost of every loop but `loop_id` whose heartbeat is younger than `stale_after`.
  Result<double> others_live(const std::string& loop_id, std::chrono::seconds stale_after);

  // A cap check (README "A shared ledger in PostgreSQL"): one loop of every machine at a time
  // (an advisory lock), in one transaction that reads one snapshot, so what one loop reserves
  // is seen by the next one's check. end_check commits and lets the next loop in.
  Status begin_check();
  Status end_check();
  // A transaction that reads one snapshot, without the cap check's lock; end_snapshot ends it.
  Status begin_snapshot();
  Status end_snapshot();

  bool connected() const;
  const std::string& machine() const { return machine_; }
  const std::string& user() const { return user_; }

  // What every loop spent in [from, to), its records and the live cost of every other loop
  // whose heartbeat is younger than `stale_after`, read in one statement (one snapshot): the
  // figure a calendar cap is checked against.
  Result<double> spent(std::chrono::system_clock::time_point from,
                       std::chrono::system_clock::time_point to, const std::string& loop_id,
                       std::chrono::seconds stale_after);

 private:
  PgLedger(pg_conn* conn, std::string redacted);
  Status migrate();
  Status exec(const char* sql);
  // libpq's last error, one line, without the password.
  std::string error() const;

  pg_conn* conn_;
  std::string redacted_;  // the URL, for messages
  std::string password_;  // the URL's, kept out of messages
  std::string machine_;   // this host's name
  std::string user_;      // this process's user
};

}  // namespace ralph::budget
