// Calendar caps and the user-level ledger against the real Claude Code CLI: a daily cap shared
// by loops in two repositories, one after the other and side by side; waiting for the next day;
// a deleted cost log restored from the ledger.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;

constexpr double kOneTurn = 200000 * 2.0 / 1e6 + 100 * 10.0 / 1e6;  // $0.401

double total_cost(const Harness& h) {
  double sum = 0;
  for (const auto& r : h.records()) sum += r["cost_usd"].get<double>();
  return sum;
}

int ledger_lines(const std::filesystem::path& ledger) {
  std::ifstream in(ledger);
  int lines = 0;
  for (std::string line; std::getline(in, line);) lines += !line.empty();
  return lines;
}

std::string utc_date(std::chrono::system_clock::time_point t) {
  std::time_t time = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&time, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// Two repositories with a plan of one item each, whose loops share one ledger; its path.
std::filesystem::path share_a_ledger(Harness& first, Harness& second) {
  const auto ledger = first.home() / "shared" / "ledger.jsonl";
  for (Harness* h : {&first, &second}) {
    h->add_plan(1);
    h->set_env("RALPH_LEDGER", ledger.string());
  }
  return ledger;
}

TEST(CalendarTest, ADailyCapIsSharedByTwoRepositoriesThroughOneLedger) {
  Harness first("budget_endless_iteration");
  Harness second("budget_endless_iteration");
  const auto ledger = share_a_ledger(first, second);
  const std::vector<std::string> args = {
      "run", "--model", "claude-sonnet-5-5", "--daily-budget", "1.00", "--timezone", "UTC"};

  CommandResult one = first.ralph(args);
  EXPECT_EQ(one.exit_code, 3) << one.out << one.err;
  EXPECT_NE(one.last_line().find("of the $1.00 daily budget on " +
                                 utc_date(std::chrono::system_clock::now())),
            std::string::npos)
      << one.out;
  EXPECT_NE(one.last_line().find("; it resets at "), std::string::npos) << one.out;
  ASSERT_EQ(first.records().size(), 1u);
  EXPECT_EQ(first.records()[0]["outcome"], "budget");

  // The other repository's loop finds the day spent and starts nothing.
  CommandResult two = second.ralph(args);
  EXPECT_EQ(two.exit_code, 3) << two.out << two.err;
  EXPECT_NE(two.last_line().find("every loop spent $"), std::string::npos) << two.out;
  EXPECT_TRUE(second.records().empty());
  EXPECT_EQ(second.api().conversations_started(), 0);

  const double spent = total_cost(first) + total_cost(second);
  EXPECT_GT(spent, 1.00);
  EXPECT_LE(spent, 1.00 + kOneTurn + 1e-9);  // one turn over, in all
  EXPECT_EQ(ledger_lines(ledger), 1);
  // ralph spend reads the same ledger: the day's spend, per repository.
  CommandResult spend = second.ralph({"spend", "--json", "--timezone", "UTC"});
  ASSERT_EQ(spend.exit_code, 0) << spend.err;
  json report = json::parse(spend.out);
  EXPECT_EQ(report["current"][0]["cap"], "day");
  EXPECT_NEAR(report["current"][0]["spent_usd"].get<double>(), spent, 1e-9);
  ASSERT_EQ(report["rows"].size(), 1u);
  EXPECT_EQ(report["rows"][0]["repo"], first.repo().string());
  EXPECT_EQ(report["rows"][0]["iterations"], 1);
  EXPECT_EQ(report["totals"]["iterations"], 1);
  CommandResult csv = second.ralph({"spend", "--csv", "--by", "month", "--timezone", "UTC"});
  EXPECT_EQ(csv.out.rfind("period,repo,iterations,cost_usd\n", 0), 0u) << csv.out;
  EXPECT_NE(json::parse(first.read(".ralph/state.json"))["halt_detail"].get<std::string>().find(
                "daily budget"),
            std::string::npos);
}

TEST(CalendarTest, TwoLoopsSideBySideStopAtTheSharedCap) {
  Harness first("calendar_slow_endless");
  Harness second("calendar_slow_endless");
  const auto ledger = share_a_ledger(first, second);
  const std::vector<std::string> args = {
      "run", "--model", "claude-sonnet-5-5", "--daily-budget", "2.00", "--timezone", "UTC"};
  int a = first.start_ralph(args, "a");
  int b = second.start_ralph(args, "b");
  CommandResult one = first.finish(a, "a");
  CommandResult two = second.finish(b, "b");
  EXPECT_EQ(one.exit_code, 3) << one.out << one.err;
  EXPECT_EQ(two.exit_code, 3) << two.out << two.err;
  const double spent = total_cost(first) + total_cost(second);
  // Each loop stops once the two together pass the cap; a turn the other had already asked
  // the API for is spent all the same: at most one turn over per loop (README "Budgets").
  EXPECT_GT(spent, 2.00) << one.out << two.out;
  EXPECT_LE(spent, 2.00 + 2 * kOneTurn + 1e-9) << one.out << two.out;
  EXPECT_GE(first.records().size(), 1u);
  EXPECT_GE(second.records().size(), 1u);
  EXPECT_TRUE(first.leftover_processes().empty());
  EXPECT_TRUE(second.leftover_processes().empty());
  // Both loops are gone: nothing is left of their live spend.
  EXPECT_TRUE(std::filesystem::is_empty(ledger.parent_path() / "live"));
}

TEST(CalendarTest, WaitingForTheNextDayThenGoingOn) {
  Harness h("calendar_cap_then_next_day");
  h.add_plan(1);
  h.write("plans/ralph.json",
          R"({"daily_budget": 1.00, "timezone": "UTC", "on_calendar_cap": "wait"})");
  h.commit_all("Cap the day");
  // The test-only seam: ralph's wall clock starts 6 s before midnight UTC.
  const auto today = utc_date(std::chrono::system_clock::now());
  h.set_env("RALPH_TEST_WALL_CLOCK", today + "T23:59:54Z");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("calendar cap: every loop spent $"), std::string::npos) << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u) << run.out;
  EXPECT_EQ(records[0]["outcome"], "budget");
  EXPECT_EQ(records[0]["started_at"].get<std::string>().substr(0, 10), today);
  EXPECT_NE(records[1]["started_at"].get<std::string>().substr(0, 10), today);
  EXPECT_EQ(records[1]["items_completed"], json::array({"US-001"}));
  EXPECT_EQ(h.read("done.txt"), "done\n");
}

TEST(CalendarTest, ACostLogTheAgentDeletedIsRestoredFromTheLedger) {
  Harness h("agent_deletes_cost_log");
  h.add_plan(3);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("(did the agent delete or truncate it?); restored 1 record from the "
                         "ledger"),
            std::string::npos)
      << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(records[i]["iteration"], i + 1);
  // ralph costs reads all three again.
  json costs = json::parse(h.ralph({"costs", "--json"}).out);
  EXPECT_EQ(costs["iterations"].size(), 3u);
}

}  // namespace
}  // namespace ralph::integration
