// The user-level ledger: records of every repository, the spend of a period, live spend of other
// loops, and a cost log restored from it.
#include "budget/ledger.hpp"
#include "budget/pg_ledger.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "loop/log_guard.hpp"
#include "temp_dir.hpp"
#include "util/fs.hpp"

#include <fmt/format.h>

#include <atomic>
#include <ctime>
#include <map>
#include <thread>

namespace ralph::budget {
namespace {

meter::IterationRecord record(const std::string& run, int n, const std::string& ended,
                              double cost) {
  meter::IterationRecord r;
  r.run_id = run;
  r.iteration = n;
  r.started_at = ended;
  r.ended_at = ended;
  r.cost_usd = cost;
  r.item_id = "US-1";
  r.outcome = "success";
  return r;
}

WallTime at(const std::string& text) {
  std::tm tm{};
  strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

TEST(LedgerTest, LocationFromTheEnvironmentThenTheSettingThenTheUsersFile) {
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  EXPECT_EQ(ledger_path(env({{"XDG_STATE_HOME", "/s"}, {"HOME", "/h"}})), "/s/ralph/ledger.jsonl");
  EXPECT_EQ(ledger_path(env({{"HOME", "/h"}})), "/h/.local/state/ralph/ledger.jsonl");
  const std::string url = "postgresql://loop@db.example/ralph";
  EXPECT_EQ(ledger_location(url, env({{"RALPH_LEDGER", "/x/l.jsonl"}, {"HOME", "/h"}})),
            "/x/l.jsonl");
  EXPECT_EQ(ledger_location(url, env({{"RALPH_LEDGER", ""}, {"HOME", "/h"}})), url);
  EXPECT_EQ(ledger_location(std::nullopt, env({{"HOME", "/h"}})),
            "/h/.local/state/ralph/ledger.jsonl");

  // A database's ledger keeps its outbox beside the user's file, one per database.
  auto shared = Ledger::open(url, env({{"HOME", "/h"}}));
  EXPECT_TRUE(shared->shared());
  EXPECT_EQ(shared->where(), url);
  EXPECT_EQ(shared->path().parent_path(), "/h/.local/state/ralph/outbox");
  auto other = Ledger::open("postgresql://loop@db2.example/ralph", env({{"HOME", "/h"}}));
  EXPECT_NE(other->path(), shared->path());
  auto respelled =
      Ledger::open("postgres://loop@db.example/ralph?sslmode=verify-full", env({{"HOME", "/h"}}));
  EXPECT_EQ(respelled->path(), shared->path());  // the same database
  auto secret = Ledger::open("postgresql://loop:hunter2@db.example/ralph", env({{"HOME", "/h"}}));
  EXPECT_EQ(secret->where().find("hunter2"), std::string::npos);
  EXPECT_EQ(secret->path().string().find("hunter2"), std::string::npos);
  EXPECT_FALSE(Ledger::open(std::nullopt, env({{"HOME", "/h"}}))->shared());
  // A password that holds a '/' is still all hidden.
  EXPECT_EQ(redact_database_url("postgresql://loop:s3/cret@db.example/ralph"),
            "postgresql://loop:***@db.example/ralph");
}

TEST(LedgerTest, ADatabaseOffTheMachineWantsVerifiedTls) {
  EXPECT_TRUE(lacks_verified_tls("postgresql://loop@db.example.com/ralph"));
  EXPECT_TRUE(lacks_verified_tls("postgresql://loop@db.example.com/ralph?sslmode=require"));
  EXPECT_FALSE(lacks_verified_tls("postgresql://loop@db.example.com/ralph?sslmode=verify-full"));
  EXPECT_TRUE(lacks_verified_tls("host=10.0.0.7 dbname=ralph"));
  EXPECT_FALSE(lacks_verified_tls("postgresql://loop@127.0.0.1:5432/ralph"));
  EXPECT_FALSE(lacks_verified_tls("postgresql://loop@localhost/ralph"));
  EXPECT_FALSE(lacks_verified_tls("postgresql:///ralph?host=/run/postgresql"));
}

// Two loops' cap checks: the second waits for the first, then sees what it reserved.
TEST(LedgerTest, CapChecksAreOneAtATimeAndTheNextSeesTheReservation) {
  testing::TempDir dir;
  Ledger first(dir.path() / "ledger.jsonl");
  Ledger second(dir.path() / "ledger.jsonl");
  std::atomic<bool> checked{false};
  double seen = -1;
  std::thread other;
  {
    Ledger::Check check(&first);
    first.publish_live("/repo/a", "run-a", 0.8);  // its reservation
    other = std::thread([&] {
      Ledger::Check theirs(&second);
      EXPECT_TRUE(second.refresh());
      seen = second.others_live();
      checked = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(checked);  // still waiting for the first check
  }
  other.join();
  EXPECT_TRUE(checked);
  EXPECT_DOUBLE_EQ(seen, 0.8);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ledger.jsonl.lock"));
}

TEST(LedgerTest, AppendsReadsOnAndSumsAPeriod) {
  testing::TempDir dir;
  Ledger ledger(dir.path() / "state" / "ledger.jsonl");
  ASSERT_TRUE(ledger.append("/repo/a", record("r1", 1, "2026-12-01T23:00:00.000Z", 1.0)));
  ASSERT_TRUE(ledger.append("/repo/\"b\"", record("r2", 1, "2026-12-02T01:00:00.500Z", 2.0)));
  ASSERT_TRUE(ledger.refresh());
  ASSERT_EQ(ledger.entries().size(), 2u);
  EXPECT_EQ(ledger.entries()[1].repo, "/repo/\"b\"");
  EXPECT_DOUBLE_EQ(ledger.spent(at("2026-12-02T00:00:00"), at("2026-12-03T00:00:00")), 2.0);
  EXPECT_DOUBLE_EQ(ledger.spent(at("2026-12-01T00:00:00"), at("2026-12-03T00:00:00")), 3.0);
  // Another loop appends: a refresh reads only what is new.
  Ledger other(dir.path() / "state" / "ledger.jsonl");
  ASSERT_TRUE(other.append("/repo/a", record("r1", 2, "2026-12-02T02:00:00.000Z", 0.5)));
  ASSERT_TRUE(ledger.refresh());
  EXPECT_EQ(ledger.entries().size(), 3u);
  auto mine = ledger.records_of("/repo/a");
  ASSERT_TRUE(mine);
  ASSERT_EQ(mine->size(), 2u);
  EXPECT_EQ((*mine)[1].iteration, 2);
  EXPECT_DOUBLE_EQ((*mine)[1].cost_usd, 0.5);
}

TEST(LedgerTest, LiveSpendOfOtherLoopsCountsWhileTheyRun) {
  testing::TempDir dir;
  const auto path = dir.path() / "ledger.jsonl";
  Ledger mine(path);
  {
    Ledger running(path);
    running.publish_live("/repo/b", "r2", 0.75);
    mine.publish_live("/repo/a", "r1", 5.0);  // its own is never counted
    EXPECT_DOUBLE_EQ(mine.others_live(), 0.75);
    running.publish_live("/repo/b", "r2", 1.25);
    EXPECT_DOUBLE_EQ(mine.others_live(), 1.25);
  }
  EXPECT_DOUBLE_EQ(mine.others_live(), 0.0);  // it ended
  // A loop that was killed leaves its file, but not its lock: it is not counted, and removed.
  ASSERT_TRUE(write_file_atomic(dir.path() / "live" / "999999-dead.json", R"({"usd": 3.0})"));
  ASSERT_TRUE(write_file_atomic(dir.path() / "live" / "999999-dead.json.lock", ""));
  EXPECT_DOUBLE_EQ(mine.others_live(), 0.0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "live" / "999999-dead.json"));
}

TEST(LedgerTest, AShrunkCostLogIsRestoredFromTheLedger) {
  testing::TempDir dir;
  Ledger ledger(dir.path() / "ledger.jsonl");
  meter::CostLog log(dir.path() / "iterations.jsonl");
  loop::LogGuard guard(log, &ledger, "/repo/a");
  for (int n = 1; n <= 3; ++n) {
    auto r = record("r1", n, fmt::format("2026-12-02T0{}:00:00.000Z", n), 0.1 * n);
    ASSERT_TRUE(log.append(r));
    ASSERT_TRUE(ledger.append("/repo/a", r));
    guard.mark();
  }
  ASSERT_TRUE(ledger.append("/repo/other", record("r9", 1, "2026-12-02T04:00:00.000Z", 9)));
  EXPECT_FALSE(guard.check());  // as ralph left it
  std::filesystem::remove(log.path());
  auto warning = guard.check();
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("restored 3 records from the ledger"), std::string::npos) << *warning;
  auto contents = log.read_all();
  ASSERT_TRUE(contents);
  ASSERT_EQ(contents->records.size(), 3u);  // this repository's only, in order
  EXPECT_EQ(contents->records[2].iteration, 3);
  EXPECT_FALSE(guard.check());
}

TEST(LedgerTest, AResumeRestoresWhatTheLogLacks) {
  testing::TempDir dir;
  Ledger ledger(dir.path() / "ledger.jsonl");
  meter::CostLog log(dir.path() / "iterations.jsonl");
  auto first = record("r1", 1, "2026-12-02T01:00:00.000Z", 0.5);
  auto second = record("r1", 2, "2026-12-02T02:00:00.000Z", 0.7);
  ASSERT_TRUE(ledger.append("/repo/a", first));
  ASSERT_TRUE(ledger.append("/repo/a", second));
  ASSERT_TRUE(log.append(first));  // the second's line went with the log
  loop::LogGuard guard(log, &ledger, "/repo/a");
  auto warning = guard.restore_missing();
  ASSERT_TRUE(warning);
  EXPECT_NE(warning->find("restored 1 record from the ledger"), std::string::npos) << *warning;
  auto contents = log.read_all();
  ASSERT_TRUE(contents);
  ASSERT_EQ(contents->records.size(), 2u);
  EXPECT_DOUBLE_EQ(contents->records[1].cost_usd, 0.7);
  EXPECT_FALSE(guard.restore_missing());  // nothing lacks now
  EXPECT_FALSE(guard.check());
}

TEST(LedgerTest, ARelativePathWorks) {
  testing::TempDir dir;
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  Ledger ledger("ledger.jsonl");
  EXPECT_TRUE(ledger.append("/repo/a", record("r1", 1, "2026-12-02T01:00:00.000Z", 0.5)));
  EXPECT_TRUE(ledger.refresh());
  EXPECT_EQ(ledger.entries().size(), 1u);
  std::filesystem::current_path(cwd);
}

TEST(LedgerTest, ADatabaseUrlIsToldApartAndShownWithoutItsPassword) {
  EXPECT_TRUE(is_database_url("postgresql://ralph@db/ledger"));
  EXPECT_TRUE(is_database_url("postgres://db/ledger"));
  EXPECT_FALSE(is_database_url("/home/jo/.local/state/ralph/ledger.jsonl"));
  EXPECT_FALSE(is_database_url("postgresql.jsonl"));
  EXPECT_EQ(redact_database_url("postgresql://ralph:s3cr%40t@db.example.com:5432/ledger"),
            "postgresql://ralph:***@db.example.com:5432/ledger");
  EXPECT_EQ(redact_database_url("postgresql://ralph@db/ledger?sslmode=verify-full"),
            "postgresql://ralph@db/ledger?sslmode=verify-full");
  EXPECT_EQ(redact_database_url("postgresql://db/ledger?user=ralph&password=pw&sslmode=require"),
            "postgresql://db/ledger?user=ralph&password=***&sslmode=require");
  EXPECT_EQ(redact_database_url("postgresql://u:p@w@db/x"), "postgresql://u:***@db/x");
}

}  // namespace
}  // namespace ralph::budget
