#include "budget/pg_ledger.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <vector>

#include "meter/record_text.hpp"
#include "util/clock.hpp"

namespace ralph::budget {

namespace {

// A query's result, cleared however the caller leaves.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  ~PgResult() { PQclear(result_); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  PGresult* get() const { return result_; }
  bool ok() const {
    ExecStatusType status = PQresultStatus(result_);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }
  std::string value(int row, int column) const { return PQgetvalue(result_, row, column); }
  int rows() const { return PQntuples(result_); }

 private:
  PGresult* result_;
};

// The migrations, in order: migration N takes the schema from version N-1 to N.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> all = {
      // 1: the records, keyed by run and iteration, and the running loops' live spend.
      "CREATE TABLE ralph_records ("
      "  id bigserial PRIMARY KEY,"
      "  run_id text NOT NULL,"
      "  iteration integer NOT NULL,"
      "  repo text NOT NULL,"
      "  machine text NOT NULL,"
      "  os_user text NOT NULL,"
      "  ended_at timestamptz NOT NULL,"
      "  cost_usd double precision NOT NULL,"
      "  record text NOT NULL,"
      "  recorded_at timestamptz NOT NULL DEFAULT now(),"
      "  UNIQUE (run_id, iteration));"
      "CREATE INDEX ralph_records_ended_at ON ralph_records (ended_at);"
      "CREATE TABLE ralph_live ("
      "  loop_id text PRIMARY KEY,"
      "  repo text NOT NULL,"
      "  run_id text NOT NULL,"
      "  machine text NOT NULL,"
      "  os_user text NOT NULL,"
      "  usd double precision NOT NULL,"
      "  heartbeat timestamptz NOT NULL);",
  };
  return all;
}

double epoch_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

// The password of a URL (scheme://user:password@host...), as written; empty: none.
std::string url_password(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  const size_t start = scheme + 3;
  // The authority ends at the last '@' before the query: a password may hold a '/'.
  const size_t query = std::min(url.find('?', start), url.size());
  const size_t at = url.rfind('@', query);
  const size_t colon = url.find(':', start);
  if (at == std::string_view::npos || at < start || colon >= at) return "";
  return std::string(url.substr(colon + 1, at - colon - 1));
}

// libpq's message as one line (its hints come on lines of their own), without the password.
std::string one_line(std::string why, const std::string& password) {
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  for (size_t at = why.find('\n'); at != std::string::npos; at = why.find('\n', at)) {
    size_t end = why.find_first_not_of("\n\t ", at);
    why.replace(at, (end == std::string::npos ? why.size() : end) - at, "; ");
  }
  // A URL libpq cannot parse is quoted whole in its message.
  if (!password.empty()) {
    for (size_t at = why.find(password); at != std::string::npos; at = why.find(password, at)) {
      why.replace(at, password.size(), "***");
    }
  }
  return why;
}

}  // namespace

bool is_database_url(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string redact_database_url(std::string_view url) {
  std::string out(url);
  // scheme://user:password@host...: the password is what lies between the first ':' after
  // the scheme and the last '@' before the query.
  if (const std::string password = url_password(url); !password.empty()) {
    const size_t colon = out.find(':', out.find("://") + 3);
    out.replace(colon + 1, password.size(), "***");
  }
  // A password in the query string, or in libpq's key=value form.
  for (size_t key = out.find("password="); key != std::string::npos;
       key = out.find("password=", key + 1)) {
    const size_t value = key + 9;
    const size_t end = std::min(out.find_first_of("& ", value), out.size());
    out.replace(value, end - value, "***");
  }
  return out;
}

Result<std::unique_ptr<PgLedger>> PgLedger::connect(const std::string& url,
                                                    std::chrono::seconds timeout) {
  const std::string seconds = std::to_string(std::max<int64_t>(1, timeout.count()));
  // Every call is bounded, so a database that stops answering (a cut network, a host gone)
  // holds a loop up for seconds, never for the kernel's minutes: TCP keepalives and a user
  // timeout on the socket, and on the server a statement timeout, a lock timeout (the cap
  // check's lock), and an end to a session idle in a transaction (a loop that died in its
  // cap check frees the lock). The URL comes last: what it sets wins.
  const char* keys[] = {"connect_timeout",
                        "application_name",
                        "keepalives",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "tcp_user_timeout",
                        "options",
                        "dbname",
                        nullptr};
  const char* values[] = {seconds.c_str(),
                          "ralph",
                          "1",
                          "5",
                          "2",
                          "2",
                          "10000",
                          "-c statement_timeout=10000 -c lock_timeout=10000 "
                          "-c idle_in_transaction_session_timeout=30000",
                          url.c_str(),
                          nullptr};
  pg_conn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  std::string redacted = redact_database_url(url);
  const std::string password = url_password(url);
  if (conn == nullptr) return make_error(fmt::format("cannot reach the ledger {}", redacted));
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = one_line(PQerrorMessage(conn), password);
    PQfinish(conn);
    return make_error(fmt::format("cannot reach the ledger {}: {}", redacted, why));
  }
  // The server's notices (a table that exists already) are not ralph's to print.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgLedger> ledger(new PgLedger(conn, std::move(redacted)));
  ledger->password_ = password;
  if (Status s = ledger->migrate(); !s) return s.error();
  return ledger;
}

std::string database_identity(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return redact_database_url(url);
  }
  std::map<std::string, std::string> parts;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) parts[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return fmt::format("{}@{}:{}/{}", parts["user"], parts["host"], parts["port"], parts["dbname"]);
}

bool lacks_verified_tls(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return false;  // not a URL libpq reads: connecting says so
  }
  std::string host;
  std::string hostaddr;
  std::string sslmode;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string key = o->keyword;
    if (key == "host") host = o->val;
    if (key == "hostaddr") hostaddr = o->val;
    if (key == "sslmode") sslmode = o->val;
  }
  PQconninfoFree(options);
  if (sslmode.empty()) {
    const char* env = std::getenv("PGSSLMODE");
    sslmode = env != nullptr ? env : "";
  }
  const std::string& where = hostaddr.empty() ? host : hostaddr;
  const bool local = where.empty() || where.front() == '/' || where == "localhost" ||
                     where == "127.0.0.1" || where == "::1";
  return !local && sslmode != "verify-full";
}

std::string this_machine() {
  char host[256] = {};
  return ::gethostname(host, sizeof host - 1) == 0 ? host : "";
}

std::string this_user() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : std::to_string(::geteuid());
}

PgLedger::PgLedger(pg_conn* conn, std::string redacted)
    : conn_(conn), redacted_(std::move(redacted)), machine_(this_machine()), user_(this_user()) {}

PgLedger::~PgLedger() {
  PQfinish(conn_);
}

Status PgLedger::migrate() {
  auto run = [this](const char* sql) -> Status {
    PgResult result(PQexec(conn_, sql));
    if (result.ok()) return ok_status();
    return make_error(fmt::format("the ledger {}: {}", redacted_, error()));
  };
  // One transaction, under a lock every ralph takes: two loops never migrate at once, and a
  // migration that fails leaves the schema as it was.
  if (Status s = run("BEGIN"); !s) return s;
  auto migrated = [&]() -> Status {
    if (Status s = run("SELECT pg_advisory_xact_lock(7061626)"); !s) return s;
    // Made only when missing: a loop's role may not create tables (README "A shared ledger in
    // PostgreSQL"), and PostgreSQL checks that before it sees the table exists.
    PgResult made(PQexec(conn_, "SELECT to_regclass('ralph_schema') IS NOT NULL"));
    if (!made.ok()) return make_error(fmt::format("the ledger {}: {}", redacted_, error()));
    if (made.value(0, 0) != "t") {
      if (Status s = run("CREATE TABLE ralph_schema (version integer NOT NULL)"); !s) return s;
    }
    PgResult current(PQexec(conn_, "SELECT coalesce(max(version), 0) FROM ralph_schema"));
    if (!current.ok()) return make_error(fmt::format("the ledger {}: {}", redacted_, error()));
    const int version = std::stoi(current.value(0, 0));
    if (version > kSchemaVersion) {
      return make_error(fmt::format(
          "the ledger {} has schema version {}, newer than this ralph's {}: upgrade ralph",
          redacted_, version, kSchemaVersion));
    }
    for (int next = version + 1; next <= kSchemaVersion; ++next) {
      if (Status s = run(migrations()[next - 1]); !s) return s;
      const std::string mark = fmt::format("INSERT INTO ralph_schema (version) VALUES ({})", next);
      if (Status s = run(mark.c_str()); !s) return s;
    }
    return ok_status();
  }();
  if (!migrated) {
    (void)run("ROLLBACK");
    return migrated;
  }
  return run("COMMIT");
}

Result<int> PgLedger::schema_version() {
  PgResult result(PQexec(conn_, "SELECT coalesce(max(version), 0) FROM ralph_schema"));
  if (!result.ok()) {
    return make_error(fmt::format("the ledger {}: {}", redacted_, error()));
  }
  return std::stoi(result.value(0, 0));
}

Result<bool> PgLedger::append(const std::string& repo, const meter::IterationRecord& record) {
  const std::string iteration = std::to_string(record.iteration);
  const auto ended = parse_rfc3339_utc(record.ended_at);
  const std::string ended_at =
      fmt::format("{:.3f}", epoch_seconds(ended.value_or(std::chrono::system_clock::now())));
  const std::string cost = fmt::format("{}", record.cost_usd);
  const std::string text = meter::record_json(record);
  const char* params[] = {record.run_id.c_str(), iteration.c_str(), repo.c_str(), machine_.c_str(),
                          user_.c_str(),         ended_at.c_str(),  cost.c_str(), text.c_str()};
  PgResult result(PQexecParams(
      conn_,
      "INSERT INTO ralph_records (run_id, iteration, repo, machine, os_user, ended_at, cost_usd, "
      "record) VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7, $8) "
      "ON CONFLICT (run_id, iteration) DO NOTHING",
      8, nullptr, params, nullptr, nullptr, 0));
  if (!result.ok()) {
    return make_error(fmt::format("cannot add iteration {} of run {} to the ledger {}: {}",
                                  record.iteration, record.run_id, redacted_, error()));
  }
  return std::string(PQcmdTuples(result.get())) == "1";
}

Result<int64_t> PgLedger::read_since(int64_t after,
                                     const std::function<void(const SharedEntry&)>& visit) {
  const std::string from = std::to_string(after);
  const char* params[] = {from.c_str()};
  PgResult result(PQexecParams(conn_,
                               "SELECT id, repo, machine, os_user, record FROM ralph_records "
                               "WHERE id > $1 ORDER BY id",
                               1, nullptr, params, nullptr, nullptr, 0));
  if (!result.ok()) {
    return make_error(fmt::format("cannot read the ledger {}: {}", redacted_, error()));
  }
  meter::RecordParser parser;
  SharedEntry entry;
  int64_t last = after;
  for (int row = 0; row < result.rows(); ++row) {
    entry.id = std::stoll(result.value(row, 0));
    last = entry.id;
    entry.repo = result.value(row, 1);
    entry.machine = result.value(row, 2);
    entry.user = result.value(row, 3);
    if (!parser.parse_into(result.value(row, 4), 0, entry.record)) continue;  // not ralph's
    visit(entry);
  }
  return last;
}

Status PgLedger::publish_live(const std::string& loop_id, const std::string& repo,
                              const std::string& run_id, double usd) {
  const std::string cost = fmt::format("{}", usd);
  const char* params[] = {loop_id.c_str(),  repo.c_str(),  run_id.c_str(),
                          machine_.c_str(), user_.c_str(), cost.c_str()};
  PgResult result(PQexecParams(
      conn_,
      "INSERT INTO ralph_live (loop_id, repo, run_id, machine, os_user, usd, heartbeat) "
      "VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (loop_id) DO UPDATE SET "
      "usd = excluded.usd, run_id = excluded.run_id, heartbeat = now()",
      6, nullptr, params, nullptr, nullptr, 0));
  if (!result.ok()) {
    return make_error(fmt::format("cannot write to the ledger {}: {}", redacted_, error()));
  }
  return ok_status();
}

Status PgLedger::end_live(const std::string& loop_id) {
  const char* params[] = {loop_id.c_str()};
  PgResult result(PQexecParams(conn_, "DELETE FROM ralph_live WHERE loop_id = $1", 1, nullptr,
                               params, nullptr, nullptr, 0));
  if (!result.ok()) {
    return make_error(fmt::format("cannot write to the ledger {}: {}", redacted_, error()));
  }
  return ok_status();
}

Result<double> PgLedger::others_live(const std::string& loop_id, std::chrono::seconds stale_after) {
  const std::string stale = std::to_string(stale_after.count());
  const char* params[] = {loop_id.c_str(), stale.c_str()};
  PgResult result(PQexecParams(conn_,
                               "SELECT coalesce(sum(usd), 0) FROM ralph_live WHERE loop_id <> $1 "
                               "AND heartbeat > now() - make_interval(secs => $2::integer)",
                               2, nullptr, params, nullptr, nullptr, 0));
  if (!result.ok()) {
    return make_error(fmt::format("cannot read the ledger {}: {}", redacted_, error()));
  }
  return std::stod(result.value(0, 0));
}

Status PgLedger::exec(const char* sql) {
  PgResult result(PQexec(conn_, sql));
  if (result.ok()) return ok_status();
  return make_error(fmt::format("the ledger {}: {}", redacted_, error()));
}

Status PgLedger::begin_check() {
  // The lock before the transaction: the snapshot is taken after the lock is held, so it holds
  // what the loop before committed.
  if (Status s = exec("SELECT pg_advisory_lock(7061627)"); !s) return s;
  if (Status s = exec("BEGIN ISOLATION LEVEL REPEATABLE READ"); !s) {
    (void)exec("SELECT pg_advisory_unlock(7061627)");
    return s;
  }
  return ok_status();
}

Status PgLedger::end_check() {
  Status committed = exec("COMMIT");
  if (!committed) (void)exec("ROLLBACK");
  Status unlocked = exec("SELECT pg_advisory_unlock(7061627)");
  return committed ? unlocked : committed;
}

Status PgLedger::begin_snapshot() {
  return exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
}

Status PgLedger::end_snapshot() {
  Status committed = exec("COMMIT");
  if (!committed) (void)exec("ROLLBACK");
  return committed;
}

std::string PgLedger::error() const {
  return one_line(PQerrorMessage(conn_), password_);
}

bool PgLedger::connected() const {
  return PQstatus(conn_) == CONNECTION_OK;
}

Result<double> PgLedger::spent(std::chrono::system_clock::time_point from,
                               std::chrono::system_clock::time_point to, const std::string& loop_id,
                               std::chrono::seconds stale_after) {
  const std::string start = fmt::format("{:.3f}", epoch_seconds(from));
  const std::string end = fmt::format("{:.3f}", epoch_seconds(to));
  const std::string stale = std::to_string(stale_after.count());
  const char* params[] = {start.c_str(), end.c_str(), loop_id.c_str(), stale.c_str()};
  PgResult result(
      PQexecParams(conn_,
                   "SELECT (SELECT coalesce(sum(cost_usd), 0) FROM ralph_records "
                   "        WHERE ended_at >= to_timestamp($1) AND ended_at < to_timestamp($2))"
                   "     + (SELECT coalesce(sum(usd), 0) FROM ralph_live WHERE loop_id <> $3 "
                   "        AND heartbeat > now() - make_interval(secs => $4::integer))",
                   4, nullptr, params, nullptr, nullptr, 0));
  if (!result.ok()) {
    return make_error(fmt::format("cannot read the ledger {}: {}", redacted_, error()));
  }
  return std::stod(result.value(0, 0));
}

}  // namespace ralph::budget
