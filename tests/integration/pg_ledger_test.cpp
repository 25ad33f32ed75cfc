// The shared ledger in PostgreSQL against a real server (tests/integration/postgres_server.hpp):
// the schema made on an empty database, and once however many loops start together; a record
// counted once however often it is sent; live spend counted until its heartbeat is stale; an
// unreachable ledger named without its password.
#include "budget/pg_ledger.hpp"

#include "budget/ledger.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "postgres_server.hpp"
#include "util/clock.hpp"
#include "util/fs.hpp"

namespace ralph::budget {
namespace {

using namespace std::chrono_literals;
using integration::PostgresServer;

meter::IterationRecord record_of(const std::string& run, int iteration, double cost,
                                 const std::string& ended) {
  meter::IterationRecord r;
  r.run_id = run;
  r.iteration = iteration;
  r.item_id = "US-001";
  r.cost_usd = cost;
  r.outcome = "success";
  r.started_at = ended;
  r.ended_at = ended;
  return r;
}

// 1: added, 0: the ledger had it, -1: an error.
int appended(PgLedger& ledger, const std::string& repo, const meter::IterationRecord& record) {
  auto added = ledger.append(repo, record);
  EXPECT_TRUE(added) << added.message();
  return added ? (*added ? 1 : 0) : -1;
}

std::chrono::system_clock::time_point at(const std::string& text) {
  return *parse_rfc3339_utc(text);
}

class PgLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.ok()) << server.error(); }
  PostgresServer server;
};

TEST_F(PgLedgerTest, TheSchemaIsMadeOnAnEmptyDatabaseOnceHoweverManyLoopsStartTogether) {
  const std::string url = server.create_database("fresh");
  EXPECT_EQ(server.sql("fresh", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
  std::vector<std::thread> loops;
  std::atomic<int> connected{0};
  for (int i = 0; i < 6; ++i) {
    loops.emplace_back([&] {
      auto ledger = PgLedger::connect(url, 10s);
      EXPECT_TRUE(ledger) << ledger.message();
      if (ledger) ++connected;
    });
  }
  for (auto& loop : loops) loop.join();
  EXPECT_EQ(connected, 6);
  EXPECT_EQ(server.sql("fresh", "SELECT string_agg(version::text, ',') FROM ralph_schema"), "1");
  EXPECT_EQ(server.sql("fresh",
                       "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM "
                       "pg_tables WHERE schemaname = 'public'"),
            "ralph_live,ralph_records,ralph_schema");
  auto again = PgLedger::connect(url, 10s);
  ASSERT_TRUE(again) << again.message();
  EXPECT_EQ(*(*again)->schema_version(), PgLedger::kSchemaVersion);

  // A database a newer ralph migrated further is not written by this one.
  server.sql("fresh", "INSERT INTO ralph_schema VALUES (99)");
  auto newer = PgLedger::connect(url, 10s);
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.message().find("schema version 99, newer than this ralph's 1"), std::string::npos)
      << newer.message();
}

TEST_F(PgLedgerTest, ARecordSentTwiceCountsOnceAndReadsBackWhole) {
  auto ledger = PgLedger::connect(server.create_database("records"), 10s);
  ASSERT_TRUE(ledger) << ledger.message();
  PgLedger& l = **ledger;
  auto first = record_of("run-a", 1, 0.25, "2026-12-07T10:00:00.000Z");
  first.worktree = "US-001";
  EXPECT_EQ(appended(l, "/repos/a", first), 1);
  EXPECT_EQ(appended(l, "/repos/a", first), 0);  // a replay: no second row
  EXPECT_EQ(appended(l, "/repos/b", record_of("run-b", 1, 0.5, "2026-12-07T11:00:00.000Z")), 1);
  std::vector<SharedEntry> read;
  auto last = l.read_since(0, [&](const SharedEntry& e) { read.push_back(e); });
  ASSERT_TRUE(last) << last.message();
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].repo, "/repos/a");
  EXPECT_FALSE(read[0].machine.empty());
  EXPECT_FALSE(read[0].user.empty());
  EXPECT_EQ(read[0].record.run_id, "run-a");
  EXPECT_EQ(read[0].record.worktree, std::optional<std::string>("US-001"));
  EXPECT_DOUBLE_EQ(read[1].record.cost_usd, 0.5);
  // Read on from where it was: nothing new.
  read.clear();
  auto again = l.read_since(*last, [&](const SharedEntry& e) { read.push_back(e); });
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *last);
  EXPECT_TRUE(read.empty());
  auto day = l.spent(at("2026-12-07T00:00:00Z"), at("2026-12-08T00:00:00Z"), "me", 30s);
  ASSERT_TRUE(day) << day.message();
  EXPECT_DOUBLE_EQ(*day, 0.75);
  auto morning = l.spent(at("2026-12-07T00:00:00Z"), at("2026-12-07T10:30:00Z"), "me", 30s);
  EXPECT_DOUBLE_EQ(*morning, 0.25);
}

TEST_F(PgLedgerTest, ALoopsLiveSpendCountsForTheOthersUntilItsHeartbeatIsStale) {
  const std::string url = server.create_database("live");
  auto one = PgLedger::connect(url, 10s);
  auto two = PgLedger::connect(url, 10s);
  ASSERT_TRUE(one && two);
  EXPECT_EQ(appended(**one, "/repos/a", record_of("run-a", 1, 1.0, "2026-12-07T10:00:00Z")), 1);
  ASSERT_TRUE((*one)->publish_live("loop-1", "/repos/a", "run-a", 2.0));
  ASSERT_TRUE((*one)->publish_live("loop-1", "/repos/a", "run-a", 2.5));  // the same row
  const auto from = at("2026-12-07T00:00:00Z");
  const auto to = at("2099-01-01T00:00:00Z");
  EXPECT_DOUBLE_EQ(*(*two)->spent(from, to, "loop-2", 30s), 3.5);
  EXPECT_DOUBLE_EQ(*(*one)->spent(from, to, "loop-1", 30s), 1.0);  // its own is not "others"
  // A loop that stopped beating (its machine died) no longer counts.
  server.sql("live", "UPDATE ralph_live SET heartbeat = now() - interval '1 minute'");
  EXPECT_DOUBLE_EQ(*(*two)->spent(from, to, "loop-2", 30s), 1.0);
  ASSERT_TRUE((*one)->publish_live("loop-1", "/repos/a", "run-a", 3.0));
  EXPECT_DOUBLE_EQ(*(*two)->spent(from, to, "loop-2", 30s), 4.0);
  ASSERT_TRUE((*one)->end_live("loop-1"));
  EXPECT_DOUBLE_EQ(*(*two)->spent(from, to, "loop-2", 30s), 1.0);
}

// The grants README "A shared ledger in PostgreSQL" gives a loop's role are enough for
// everything a loop does, and do not let it change or delete a record.
TEST_F(PgLedgerTest, ALoopsRoleWithTheReadmesGrantsWorksAndCannotRewriteRecords) {
  const std::string owner_url = server.create_database("team");
  ASSERT_TRUE(PgLedger::connect(owner_url, 10s));  // the owner makes the schema once
  for (const char* grant : {
           "CREATE ROLE ralph_loop LOGIN",
           "GRANT CONNECT ON DATABASE team TO ralph_loop",
           "GRANT USAGE ON SCHEMA public TO ralph_loop",
           "GRANT SELECT ON ralph_schema TO ralph_loop",
           "GRANT SELECT, INSERT ON ralph_records TO ralph_loop",
           "GRANT USAGE ON SEQUENCE ralph_records_id_seq TO ralph_loop",
           "GRANT SELECT, INSERT, UPDATE, DELETE ON ralph_live TO ralph_loop",
       }) {
    server.sql("team", grant);
  }
  std::string url = owner_url;
  url.replace(url.find("ralph@"), 6, "ralph_loop@");
  auto loop = PgLedger::connect(url, 10s);
  ASSERT_TRUE(loop) << loop.message();
  PgLedger& l = **loop;
  EXPECT_EQ(appended(l, "/repos/a", record_of("run-a", 1, 0.5, "2026-12-07T10:00:00Z")), 1);
  EXPECT_EQ(appended(l, "/repos/a", record_of("run-a", 1, 0.5, "2026-12-07T10:00:00Z")), 0);
  ASSERT_TRUE(l.publish_live("loop-1", "/repos/a", "run-a", 0.25));
  ASSERT_TRUE(l.begin_check());
  auto others = l.others_live("loop-2", 30s);
  ASSERT_TRUE(others) << others.message();
  EXPECT_DOUBLE_EQ(*others, 0.25);
  ASSERT_TRUE(l.end_check());
  ASSERT_TRUE(l.begin_snapshot());
  int read = 0;
  ASSERT_TRUE(l.read_since(0, [&](const SharedEntry&) { ++read; }));
  ASSERT_TRUE(l.end_snapshot());
  EXPECT_EQ(read, 1);
  ASSERT_TRUE(l.end_live("loop-1"));
  // What the role may not do, asked as it.
  for (const char* forbidden : {"UPDATE ralph_records SET cost_usd = 0",
                                "DELETE FROM ralph_records", "DROP TABLE ralph_records"}) {
    std::string out = server.sql_as("team", "ralph_loop", forbidden);
    EXPECT_TRUE(out.find("permission denied") != std::string::npos ||
                out.find("must be owner") != std::string::npos)
        << forbidden << ": " << out;
  }
  EXPECT_EQ(server.sql("team", "SELECT sum(cost_usd) FROM ralph_records"), "0.5");
}

// A cap check is one transaction under one lock for every machine: the second loop's check
// waits for the first one's, then sees what it reserved (README "A shared ledger in
// PostgreSQL").
TEST_F(PgLedgerTest, CapChecksAreOneAtATimeAndTheNextSeesTheReservation) {
  const std::string url = server.create_database("checks");
  char pattern[] = "/tmp/ralph-outbox-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::filesystem::path dir = pattern;
  Ledger first(url, dir / "first.jsonl");
  Ledger second(url, dir / "second.jsonl");
  ASSERT_TRUE(first.refresh());
  ASSERT_TRUE(second.refresh());
  std::atomic<bool> checked{false};
  double seen = -1;
  std::thread other;
  {
    Ledger::Check check(&first);
    first.publish_live("/repos/a", "run-a", 0.8);  // inside its transaction
    other = std::thread([&] {
      Ledger::Check theirs(&second);
      EXPECT_TRUE(second.refresh());
      seen = second.others_live();
      checked = true;
    });
    std::this_thread::sleep_for(500ms);
    EXPECT_FALSE(checked);  // still waiting for the first check's lock
    // A read outside a check is not held up by it, and does not see the uncommitted row.
    Ledger reader(url, dir / "reader.jsonl");
    ASSERT_TRUE(reader.refresh());
    EXPECT_DOUBLE_EQ(reader.others_live(), 0);
  }
  other.join();
  EXPECT_TRUE(checked);
  EXPECT_DOUBLE_EQ(seen, 0.8);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_F(PgLedgerTest, AnUnreachableLedgerIsNamedWithoutItsPassword) {
  const std::string url = server.create_database("gone");
  server.stop();
  std::string secret_url = url;
  secret_url.replace(secret_url.find("ralph@"), 6, "ralph:hunter2@");
  auto ledger = PgLedger::connect(secret_url, 2s);
  ASSERT_FALSE(ledger);
  EXPECT_EQ(ledger.message().find("hunter2"), std::string::npos) << ledger.message();
  EXPECT_NE(ledger.message().find("cannot reach the ledger postgresql://ralph:***@127.0.0.1:"),
            std::string::npos)
      << ledger.message();
  server.start();
  EXPECT_TRUE(PgLedger::connect(url, 10s));
}

}  // namespace
}  // namespace ralph::budget
