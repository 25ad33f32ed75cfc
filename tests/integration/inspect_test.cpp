// `ralph costs` and `ralph status` on logs written by real runs: the numbers they print are
// the log's, in every format.
#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

#include "harness.hpp"
#include "util/clock.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// RFC 4180: fields split on commas, quoted fields may hold commas and doubled quotes.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

class CostsOverTwoRuns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    h_ = new Harness("costs_over_two_runs");
    h_->add_plan(3);
    first_ = h_->ralph({"run", "--model", "claude-sonnet-5-5", "--max-iterations", "2"});
    // The projection after two of three items: one item left at the cost per item so far.
    after_first_ = h_->ralph({"costs", "--json"});
    second_ = h_->ralph({"run", "--new", "--model", "claude-sonnet-5-5", "--budget", "5"});
  }
  static void TearDownTestSuite() {
    delete h_;
    h_ = nullptr;
  }
  static Harness* h_;
  static CommandResult first_, after_first_, second_;
};
Harness* CostsOverTwoRuns::h_ = nullptr;
CommandResult CostsOverTwoRuns::first_, CostsOverTwoRuns::after_first_, CostsOverTwoRuns::second_;

TEST_F(CostsOverTwoRuns, JsonTotalsEqualTheRecordsForTheLastRunAndForAll) {
  ASSERT_EQ(first_.exit_code, 4) << first_.out << first_.err;
  ASSERT_EQ(second_.exit_code, 0) << second_.out << second_.err;
  auto records = h_->records();
  ASSERT_EQ(records.size(), 3u);
  for (bool all : {false, true}) {
    SCOPED_TRACE(all ? "--all" : "the last run");
    CommandResult costs = h_->ralph(all ? std::vector<std::string>{"costs", "--json", "--all"}
                                        : std::vector<std::string>{"costs", "--json"});
    ASSERT_EQ(costs.exit_code, 0) << costs.err;
    json report = json::parse(costs.out);
    size_t first = all ? 0 : 2;
    ASSERT_EQ(report["iterations"].size(), records.size() - first);
    double cost = 0;
    json tokens = {{"input_tokens", 0},
                   {"output_tokens", 0},
                   {"cache_creation_input_tokens", 0},
                   {"cache_read_input_tokens", 0}};
    for (size_t i = first; i < records.size(); ++i) {
      EXPECT_EQ(report["iterations"][i - first], records[i]);  // the log's records, unchanged
      cost += records[i]["cost_usd"].get<double>();
      for (auto& [name, sum] : tokens.items())
        sum = sum.get<int64_t>() + records[i][name].get<int64_t>();
    }
    EXPECT_EQ(report["totals"]["cost_usd"].get<double>(), cost);  // summed in the same order
    for (auto& [name, sum] : tokens.items()) EXPECT_EQ(report["totals"][name], sum) << name;
    EXPECT_EQ(report["totals"]["iterations"], records.size() - first);
    EXPECT_EQ(report["projection"]["remaining_items"], 0);
  }
}

TEST_F(CostsOverTwoRuns, CsvParsesBackToTheSameNumbers) {
  CommandResult csv = h_->ralph({"costs", "--csv", "--all"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  auto rows = parse_csv(csv.out);
  auto records = h_->records();
  ASSERT_EQ(rows.size(), records.size() + 1) << csv.out;
  const auto& header = rows[0];
  auto column = [&header](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), header.size());
    EXPECT_EQ(row[column("run_id")], records[i]["run_id"]);
    EXPECT_EQ(std::strtod(row[column("cost_usd")].c_str(), nullptr),
              records[i]["cost_usd"].get<double>());
    for (const char* name :
         {"iteration", "input_tokens", "output_tokens", "cache_creation_input_tokens",
          "cache_read_input_tokens", "duration_ms", "num_turns", "peak_context_tokens"}) {
      EXPECT_EQ(std::stoll(row[column(name)]), records[i][name].get<int64_t>()) << name;
    }
    EXPECT_EQ(row[column("commit")], records[i]["commit"]);
    EXPECT_EQ(row[column("items_completed")], records[i]["items_completed"][0]);
  }
}

TEST_F(CostsOverTwoRuns, GroupsByModelItemAndDayAddUpToTheTotals) {
  for (const char* by : {"model", "item", "day"}) {
    SCOPED_TRACE(by);
    CommandResult costs = h_->ralph({"costs", "--json", "--all", "--by", by});
    ASSERT_EQ(costs.exit_code, 0) << costs.err;
    json report = json::parse(costs.out);
    EXPECT_EQ(report["by"], by);
    double cost = 0;
    int64_t output = 0;
    for (const auto& group : report["groups"]) {
      cost += group["cost_usd"].get<double>();
      output += group["output_tokens"].get<int64_t>();
    }
    EXPECT_NEAR(cost, report["totals"]["cost_usd"].get<double>(), 1e-12);
    EXPECT_EQ(output, report["totals"]["output_tokens"]);
  }
  json by_item = json::parse(h_->ralph({"costs", "--json", "--all", "--by", "item"}).out);
  ASSERT_EQ(by_item["groups"].size(), 3u);
  EXPECT_EQ(by_item["groups"][1]["key"], "US-002");
  EXPECT_EQ(by_item["groups"][1]["items_completed"], 1);
  CommandResult table = h_->ralph({"costs", "--all", "--by", "model"});
  EXPECT_NE(table.out.find("claude-sonnet-5-5"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("\ntotal "), std::string::npos) << table.out;
}

TEST_F(CostsOverTwoRuns, ProjectsTheRemainingItemFromTheCompletedOnes) {
  ASSERT_EQ(after_first_.exit_code, 0) << after_first_.err;
  json report = json::parse(after_first_.out);
  auto records = h_->records();
  double per_item =
      (records[0]["cost_usd"].get<double>() + records[1]["cost_usd"].get<double>()) / 2;
  const json& p = report["projection"];
  EXPECT_EQ(p["remaining_items"], 1);
  EXPECT_EQ(p["completed_items"], 2);
  EXPECT_NEAR(p["expected_usd"].get<double>(), per_item, 1e-12);
  EXPECT_NEAR(p["low_usd"].get<double>(), records[0]["cost_usd"].get<double>(), 1e-12);
  EXPECT_NEAR(p["high_usd"].get<double>(), records[1]["cost_usd"].get<double>(), 1e-12);
}

// The forecast's figures, computed by hand from the records they come from.
double hours_between(const std::string& from, const std::string& to) {
  return std::chrono::duration<double, std::ratio<3600>>(*parse_rfc3339_utc(to) -
                                                         *parse_rfc3339_utc(from))
      .count();
}

TEST_F(CostsOverTwoRuns, ForecastsFromTheRatesSoFar) {
  auto records = h_->records();
  ASSERT_EQ(records.size(), 3u);
  // After the first run: two iterations, one item left.
  const json report = json::parse(after_first_.out);
  const json& f = report["forecast"];
  const double cost = records[0]["cost_usd"].get<double>() + records[1]["cost_usd"].get<double>();
  const double hours = hours_between(records[0]["started_at"], records[1]["ended_at"]);
  EXPECT_NEAR(f["burn_usd_per_hour"].get<double>(), cost / hours, 1e-9 * cost / hours) << f;
  EXPECT_NEAR(f["recent_burn_usd_per_hour"].get<double>(), cost / hours, 1e-9 * cost / hours);
  EXPECT_EQ(f["recent_iterations"], 2);
  EXPECT_NEAR(f["iterations_per_hour"].get<double>(), 2 / hours, 1e-9 * 2 / hours);
  const double item_hours =
      (records[0]["duration_ms"].get<double>() + records[1]["duration_ms"].get<double>()) / 2 /
      3.6e6;
  EXPECT_NEAR(f["hours_per_completed_item"].get<double>(), item_hours, 1e-12);
  EXPECT_NEAR(f["finish_hours"].get<double>(), item_hours, 1e-12);  // one item left
  EXPECT_EQ(f["caps"], json::array());                              // the first run had no budget
  EXPECT_TRUE(f["within_budget"].is_null());

  // status of the second run: one iteration against its $5 budget.
  json status = json::parse(h_->ralph({"status", "--json"}).out);
  const json& g = status["forecast"];
  const json state = json::parse(h_->read(".ralph/state.json"));
  const double c2 = records[2]["cost_usd"].get<double>();
  const double h2 = hours_between(state["started_at"], records[2]["ended_at"]);
  EXPECT_NEAR(g["burn_usd_per_hour"].get<double>(), c2 / h2, 1e-9 * c2 / h2) << g;
  ASSERT_EQ(g["caps"].size(), 1u);
  EXPECT_EQ(g["caps"][0]["cap"], "run");
  EXPECT_EQ(g["caps"][0]["budget_usd"], 5.0);
  EXPECT_NEAR(g["caps"][0]["spent_usd"].get<double>(), c2, 1e-12);
  EXPECT_FALSE(g["caps"][0]["reached_at"].is_null());
  EXPECT_EQ(g["finish_hours"], 0.0);  // nothing left
  EXPECT_EQ(g["within_budget"], true);
  EXPECT_NE(h_->ralph({"status"}).out.find("forecast   $"), std::string::npos);
}

TEST_F(CostsOverTwoRuns, TimeBoundsAndBadInput) {
  json recent = json::parse(h_->ralph({"costs", "--json", "--since", "1d"}).out);
  EXPECT_EQ(recent["iterations"].size(), 3u);  // --since without --run: every run
  CommandResult none = h_->ralph({"costs", "--until", "2000-01-01"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_EQ(none.out, "no iterations match\n");
  CommandResult bad = h_->ralph({"costs", "--since", "last tuesday"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "ralph: error: --since \"last tuesday\" is not a time: expected a date (2026-11-23), "
            "an RFC 3339 time (2026-11-23T10:00:00Z) or an age (90m, 12h, 7d, 2w)\n");
  CommandResult unknown = h_->ralph({"costs", "--run", "no-such-run"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err,
            "ralph: error: no iterations of run no-such-run in .ralph/iterations.jsonl\n");
  EXPECT_EQ(h_->ralph({"costs", "--by", "week"}).exit_code, 2);
  EXPECT_EQ(h_->ralph({"costs", "--json", "--csv"}).exit_code, 2);
}

TEST_F(CostsOverTwoRuns, StatusAfterACompletedRun) {
  CommandResult status = h_->ralph({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json s = json::parse(status.out);
  auto records = h_->records();
  EXPECT_EQ(s["plan"]["items_total"], 3);
  EXPECT_EQ(s["plan"]["items_passing"], 3);
  EXPECT_EQ(s["plan"]["next_item"], nullptr);
  EXPECT_EQ(s["run"]["run_id"], records[2]["run_id"]);
  EXPECT_EQ(s["run"]["state"], "halted");
  EXPECT_EQ(s["run"]["active"], false);
  EXPECT_EQ(s["run"]["halt_reason"], "complete");
  EXPECT_EQ(s["run"]["exit_code"], 0);
  EXPECT_EQ(s["run"]["iterations_recorded"], 1);
  EXPECT_EQ(s["spend"]["cost_usd"], records[2]["cost_usd"]);
  EXPECT_EQ(s["spend"]["budget_usd"], 5.0);
  EXPECT_EQ(s["spend"]["input_tokens"], records[2]["input_tokens"]);
  EXPECT_EQ(s["projection"]["expected_usd"], 0.0);
  CommandResult text = h_->ralph({"status"});
  EXPECT_NE(text.out.find("3 of 3 items pass"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("halted: complete (exit 0)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(" of $5.00 [-"), std::string::npos) << text.out;
}

TEST(StatusTest, WhileRunningAndAfterAnInterrupt) {
  Harness h("status_while_running");
  h.add_plan(1);
  int pid = h.start_ralph({"run", "--model", "claude-sonnet-5-5", "--budget", "2"}, "run");
  ASSERT_TRUE(h.api().wait_for_requests(2, 60s));  // inside the long tool command
  CommandResult during = h.ralph({"status", "--json"});
  ASSERT_EQ(during.exit_code, 0) << during.err;
  json s = json::parse(during.out);
  EXPECT_EQ(s["run"]["state"], "running");
  EXPECT_EQ(s["run"]["active"], true);
  EXPECT_EQ(s["run"]["current_item"], "US-001");
  EXPECT_EQ(s["run"]["iteration"], 1);
  EXPECT_EQ(s["run"]["halt_reason"], nullptr);
  EXPECT_EQ(s["run"]["pid"], pid);
  // The first turn is done: its cost shows, metered from the stream file, before any record.
  EXPECT_EQ(s["run"]["iterations_recorded"], 0);
  ASSERT_TRUE(s["spend"]["in_flight"].is_object()) << during.out;
  EXPECT_EQ(s["spend"]["in_flight"]["iteration"], 1);
  EXPECT_GE(s["spend"]["in_flight"]["input_tokens"].get<int64_t>(), 50000);
  EXPECT_GT(s["spend"]["in_flight"]["cost_usd"].get<double>(), 0.0);
  // --watch follows the run until it ends, then stops by itself.
  int watch = h.start_ralph({"status", "--watch", "--json", "--interval", "0.1"}, "watch");
  // The watcher has seen the run running before the run is stopped.
  ASSERT_TRUE(h.wait_for_output("watch", R"("state":"running")", 60s));
  ::kill(pid, SIGINT);
  CommandResult run = h.finish(pid, "run");
  EXPECT_EQ(run.exit_code, 130) << run.out << run.err;
  CommandResult watched = h.finish(watch, "watch");
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  std::vector<json> frames;
  std::istringstream lines(watched.out);
  for (std::string line; std::getline(lines, line);) frames.push_back(json::parse(line));
  ASSERT_GE(frames.size(), 2u) << watched.out;
  EXPECT_EQ(frames.front()["run"]["state"], "running");
  EXPECT_EQ(frames.back()["run"]["state"], "halted");
  EXPECT_EQ(frames.back()["run"]["halt_reason"], "interrupted");

  CommandResult after = h.ralph({"status", "--json"});
  json a = json::parse(after.out);
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(a["run"]["state"], "halted");
  EXPECT_EQ(a["run"]["halt_reason"], "interrupted");
  EXPECT_EQ(a["run"]["exit_code"], 130);
  EXPECT_EQ(a["run"]["iterations_recorded"], 1);
  EXPECT_EQ(a["spend"]["in_flight"], nullptr);
  EXPECT_EQ(a["spend"]["cost_usd"], records[0]["cost_usd"]);
  EXPECT_GT(a["spend"]["cost_usd"].get<double>(), 0.0);
  EXPECT_EQ(a["plan"]["next_item"]["id"], "US-001");
  EXPECT_EQ(a["projection"]["expected_usd"], nullptr);  // nothing completed yet
  CommandResult text = h.ralph({"status"});
  EXPECT_NE(text.out.find("halted: interrupted (exit 130)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("no item completed yet"), std::string::npos) << text.out;
  EXPECT_TRUE(h.leftover_processes().empty());
}

}  // namespace
}  // namespace ralph::integration
