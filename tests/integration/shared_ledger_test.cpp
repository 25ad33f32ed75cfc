// The shared ledger in PostgreSQL with the real Claude Code CLI and a real PostgreSQL server
// (tests/integration/postgres_server.hpp): two loops in two repositories sharing a daily cap at
// once; a database stopped in the middle of a run and started again, after which every record
// is in it exactly once; a live row that beats through a long silent tool call; a database
// that never answers. The URL carries a password (which trust authentication
// ignores), and nothing ralph writes or prints shows it.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "harness.hpp"
#include "postgres_server.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr double kOneTurn = 200000 * 2.0 / 1e6 + 100 * 10.0 / 1e6;  // $0.401
constexpr const char* kPassword = "s3cret-pw";

double total_cost(const Harness& h) {
  double sum = 0;
  for (const auto& r : h.records()) sum += r["cost_usd"].get<double>();
  return sum;
}

// The database's URL with a password in it.
std::string with_password(std::string url) {
  url.replace(url.find("ralph@"), 6, std::string("ralph:") + kPassword + "@");
  return url;
}

// Every file under the repository's .ralph/ (and the user's state folder) holds no password.
void expect_no_password(const Harness& h, const CommandResult& run) {
  EXPECT_EQ(run.out.find(kPassword), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find(kPassword), std::string::npos) << run.err;
  for (const auto& root : {h.repo() / ".ralph", h.home() / ".local"}) {
    if (!std::filesystem::exists(root)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path());
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(text.find(kPassword), std::string::npos) << entry.path();
    }
  }
}

class SharedLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.ok()) << server.error(); }
  PostgresServer server;
};

TEST_F(SharedLedgerTest, TwoLoopsInTwoRepositoriesShareADailyCapAtOnce) {
  const std::string url = with_password(server.create_database("fleet"));
  Harness first("calendar_slow_endless");
  Harness second("calendar_slow_endless");
  for (Harness* h : {&first, &second}) {
    h->add_plan(1);
    h->set_env("RALPH_LEDGER", url);
  }
  const std::vector<std::string> args = {
      "run", "--model", "claude-sonnet-5-5", "--daily-budget", "2.00", "--timezone", "UTC"};
  int a = first.start_ralph(args, "a");
  int b = second.start_ralph(args, "b");
  CommandResult one = first.finish(a, "a");
  CommandResult two = second.finish(b, "b");
  EXPECT_EQ(one.exit_code, 3) << one.out << one.err;
  EXPECT_EQ(two.exit_code, 3) << two.out << two.err;
  const double spent = total_cost(first) + total_cost(second);
  // The same promise as with the user's file: at most one turn over per loop.
  EXPECT_GT(spent, 2.00) << one.out << two.out;
  EXPECT_LE(spent, 2.00 + 2 * kOneTurn + 1e-9) << one.out << two.out;
  EXPECT_GE(first.records().size(), 1u);
  EXPECT_GE(second.records().size(), 1u);
  // A database that answered all along is no news.
  EXPECT_EQ(one.out.find("answers:"), std::string::npos) << one.out;
  EXPECT_EQ(one.out.find("warning: cannot"), std::string::npos) << one.out;

  // Every record of both loops is in the database once, and nothing else is.
  const size_t records = first.records().size() + second.records().size();
  EXPECT_EQ(server.sql("fleet", "SELECT count(*) FROM ralph_records"), std::to_string(records));
  EXPECT_NEAR(std::stod(server.sql("fleet", "SELECT sum(cost_usd) FROM ralph_records")), spent,
              1e-6);
  EXPECT_EQ(server.sql("fleet", "SELECT count(DISTINCT repo) FROM ralph_records"), "2");
  // Both loops are gone, and so are their live rows.
  EXPECT_EQ(server.sql("fleet", "SELECT count(*) FROM ralph_live"), "0");
  EXPECT_TRUE(first.leftover_processes().empty());
  EXPECT_TRUE(second.leftover_processes().empty());

  // ralph spend reads the database: per repository, and per machine and user (one of each
  // here), with the URL shown without its password.
  CommandResult spend = first.ralph({"spend", "--json", "--timezone", "UTC"});
  ASSERT_EQ(spend.exit_code, 0) << spend.err;
  json report = json::parse(spend.out);
  std::string shown = server.url("fleet");
  shown.replace(shown.find("ralph@"), 6, "ralph:***@");
  EXPECT_EQ(report["ledger"], shown);
  EXPECT_NEAR(report["current"][0]["spent_usd"].get<double>(), spent, 1e-6);
  EXPECT_EQ(report["rows"].size(), 2u);
  EXPECT_EQ(report["totals"]["iterations"], static_cast<int>(records));
  CommandResult machines = first.ralph({"spend", "--json", "--per", "machine"});
  ASSERT_EQ(machines.exit_code, 0) << machines.err;
  json per_machine = json::parse(machines.out);
  ASSERT_EQ(per_machine["rows"].size(), 1u);
  EXPECT_FALSE(per_machine["rows"][0]["machine"].get<std::string>().empty());
  CommandResult users = first.ralph({"spend", "--csv", "--per", "user"});
  EXPECT_EQ(users.out.rfind("period,user,iterations,cost_usd\n", 0), 0u) << users.out;
  // ralph doctor asks it too.
  CommandResult doctor = first.ralph({"doctor", "--json"});
  bool checked = false;
  const json checks = json::parse(doctor.out);
  for (const auto& check : checks["checks"]) {
    if (check["name"] != "ledger") continue;
    checked = true;
    EXPECT_EQ(check["what"].get<std::string>().find(kPassword), std::string::npos);
    EXPECT_EQ(check["status"], "ok") << check.dump();
    EXPECT_NE(check["what"].get<std::string>().find(
                  fmt::format("answers: {} records of every loop", records)),
              std::string::npos)
        << check.dump();
  }
  EXPECT_TRUE(checked) << doctor.out;
  for (const auto* run : {&one, &spend, &machines, &doctor}) expect_no_password(first, *run);
  expect_no_password(second, two);
}

TEST_F(SharedLedgerTest, TheDatabaseStoppedMidRunThenStartedAgainGetsEveryRecordOnce) {
  const std::string url = with_password(server.create_database("outage"));
  Harness h("ledger_outage");
  h.add_plan(3);
  h.write("plans/ralph.json", R"({"daily_budget": 100, "timezone": "UTC"})");
  h.commit_all("Cap the day");
  h.set_env("RALPH_LEDGER", url);
  int pid = h.start_ralph({"run", "--model", "claude-sonnet-5-5"}, "run");

  // Iteration 1's record reaches the database; then it stops, while iteration 2 works.
  bool recorded = false;
  for (int i = 0; i < 300 && !recorded; ++i) {
    recorded = server.sql("outage", "SELECT count(*) FROM ralph_records") == "1";
    if (!recorded) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(recorded);
  server.stop();
  // Iteration 2's record waits on this machine, and iteration 3 waits for the ledger: the
  // daily cap cannot be checked without it.
  ASSERT_TRUE(h.wait_for_output("run", "does not answer", 60s));
  const auto outbox_dir = h.home() / ".local" / "state" / "ralph" / "outbox";
  ASSERT_TRUE(std::filesystem::exists(outbox_dir));
  EXPECT_EQ(h.records().size(), 2u);
  server.start();

  CommandResult run = h.finish(pid, "run");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("answers: 1 record kept on this machine sent"), std::string::npos)
      << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u) << run.out;
  EXPECT_EQ(server.sql("outage",
                       "SELECT string_agg(iteration::text, ',' ORDER BY iteration) "
                       "FROM ralph_records"),
            "1,2,3");
  double logged = 0;
  for (const auto& r : records) logged += r["cost_usd"].get<double>();
  EXPECT_NEAR(std::stod(server.sql("outage", "SELECT sum(cost_usd) FROM ralph_records")), logged,
              1e-6);
  // The outbox is empty once sent.
  for (const auto& entry : std::filesystem::directory_iterator(outbox_dir)) {
    EXPECT_EQ(std::filesystem::file_size(entry.path()), 0u) << entry.path();
  }
  expect_no_password(h, run);

  // A crash between sending and emptying the outbox sends its records again: the database
  // keeps each once, by run id and iteration.
  const auto outbox = std::filesystem::directory_iterator(outbox_dir)->path();
  {
    std::ifstream log(h.repo() / ".ralph" / "iterations.jsonl");
    std::ofstream again(outbox, std::ios::app);
    std::string line;
    std::getline(log, line);
    again << R"({"repo":)" << json(h.repo().string()).dump() << "," << line.substr(1) << "\n";
  }
  CommandResult spend = h.ralph({"spend", "--json", "--timezone", "UTC"});
  ASSERT_EQ(spend.exit_code, 0) << spend.err;
  EXPECT_NE(spend.err.find("0 records kept on this machine sent (1 it had already)"),
            std::string::npos)
      << spend.err;
  EXPECT_EQ(server.sql("outage", "SELECT count(*) FROM ralph_records"), "3");
  EXPECT_EQ(json::parse(spend.out)["totals"]["iterations"], 3);
  EXPECT_EQ(std::filesystem::file_size(outbox), 0u);
}

TEST_F(SharedLedgerTest, ALoopInALongSilentToolCallKeepsItsLiveRowBeating) {
  const std::string url = with_password(server.create_database("beat"));
  Harness h("ledger_heartbeat");
  h.add_plan(1);
  h.set_env("RALPH_LEDGER", url);
  int pid = h.start_ralph({"run", "--model", "claude-sonnet-5-5"}, "run");
  // The live cost stays the same through the tool's 14 s; its heartbeat must not.
  std::set<std::string> beats;
  std::string cost;
  for (int i = 0; i < 400 && beats.size() < 2; ++i) {
    std::string row = server.sql("beat",
                                 "SELECT usd || ' ' || extract(epoch FROM heartbeat) "
                                 "FROM ralph_live WHERE usd > 0");
    if (!row.empty()) {
      const std::string usd = row.substr(0, row.find(' '));
      if (usd != cost) beats.clear();  // a new cost: a new turn, not a heartbeat
      cost = usd;
      beats.insert(row.substr(row.find(' ') + 1));
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(beats.size(), 2u) << "live cost " << cost;
  CommandResult run = h.finish(pid, "run");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(server.sql("beat", "SELECT count(*) FROM ralph_live"), "0");
  EXPECT_EQ(server.sql("beat", "SELECT count(*) FROM ralph_records"), "1");
}

TEST_F(SharedLedgerTest, ARunWithoutCalendarCapsGoesOnAndItsRecordsWaitForTheLedger) {
  const std::string url = with_password(server.create_database("later"));
  server.stop();
  Harness h("complete_one_item");
  h.add_plan(1);
  h.set_env("RALPH_LEDGER", url);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("ralph: warning: 1 record of this machine wait in "), std::string::npos)
      << run.out;
  ASSERT_EQ(h.records().size(), 1u);
  // Any ralph that reaches the ledger sends it.
  server.start();
  CommandResult spend = h.ralph({"spend", "--json"});
  ASSERT_EQ(spend.exit_code, 0) << spend.err;
  EXPECT_NE(spend.err.find("answers: 1 record kept on this machine sent"), std::string::npos)
      << spend.err;
  EXPECT_EQ(json::parse(spend.out)["totals"]["iterations"], 1);
  EXPECT_EQ(server.sql("later", "SELECT count(*) FROM ralph_records"), "1");
  expect_no_password(h, run);
}

TEST_F(SharedLedgerTest, ThePasswordComesFromPgpasswordOrAPgpassFileAndIsShownNowhere) {
  server.create_database("guarded");
  server.require_password("ralph_pw", kPassword);
  std::string url = server.url("guarded");
  url.replace(url.find("ralph@"), 6, "ralph_pw@");

  // No password: refused, in one line that names the URL.
  Harness h("complete_one_item");
  h.add_plan(1);
  h.set_env("RALPH_LEDGER", url);
  CommandResult refused = h.ralph({"spend"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("cannot reach the ledger " + url + ": "), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("password"), std::string::npos) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;

  // PGPASSWORD, as libpq reads it: the loop records there, and the password is redacted from
  // what the agent and its tools print (its variable's name says it is a secret).
  h.set_env("PGPASSWORD", kPassword);
  CommandResult run =
      h.ralph({"run", "--model", "claude-sonnet-5-5", "--daily-budget", "5", "--timezone", "UTC"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(server.sql("guarded", "SELECT count(*) FROM ralph_records"), "1");
  expect_no_password(h, run);

  // A password file (PGPASSFILE, mode 0600), as a Secret mounted as a file gives it.
  Harness other("complete_one_item");
  other.add_plan(1);
  const auto pgpass = other.home() / "pgpass";
  std::ofstream(pgpass) << fmt::format("127.0.0.1:{}:guarded:ralph_pw:{}\n", server.port(),
                                       kPassword);
  std::filesystem::permissions(
      pgpass, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  other.set_env("RALPH_LEDGER", url);
  other.set_env("PGPASSFILE", pgpass.string());
  CommandResult spend = other.ralph({"spend", "--json"});
  ASSERT_EQ(spend.exit_code, 0) << spend.err;
  EXPECT_EQ(json::parse(spend.out)["totals"]["iterations"], 1);
}

TEST_F(SharedLedgerTest, ALedgerThatNeverAnswersHaltsAfterMaxWaitWithoutStarting) {
  const std::string url = with_password(server.create_database("never"));
  server.stop();
  Harness h("complete_one_item");
  h.add_plan(1);
  h.set_env("RALPH_LEDGER", url);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--daily-budget", "5",
                               "--timezone", "UTC", "--max-wait", "6"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("does not answer"), std::string::npos) << run.out;
  EXPECT_NE(run.last_line().find("the most --max-wait (6 s) allows"), std::string::npos) << run.out;
  EXPECT_EQ(h.api().conversations_started(), 0);
  EXPECT_TRUE(h.records().empty());
  expect_no_password(h, run);
}

}  // namespace
}  // namespace ralph::integration
