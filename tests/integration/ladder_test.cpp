// The model ladder and anomalies against the real Claude Code CLI (README "Models",
// "Anomalies"): an item escalates to the next model after two iterations without progress, an
// item estimated complex starts higher under start_tier "auto", an escalation the budget cannot
// pay for halts `budget`, and a runaway iteration is flagged live, told to a hook, and halts
// the run under halt_on_anomaly.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;

const char* kLadder = R"("models": ["claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"])";

// The model each request to the API asked for, in order.
std::vector<std::string> requested_models(Harness& h) {
  std::vector<std::string> out;
  for (const json& request : h.api().requests()) {
    if (request.is_object() && request.contains("model")) out.push_back(request["model"]);
  }
  return out;
}

TEST(LadderTest, AnItemThatFailsTwiceOnTheCheapestModelPassesOnTheNext) {
  Harness h("ladder_escalates");
  h.write_plan(1);
  h.write("plans/ralph.json", std::string("{") + kLadder + "}");
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("iteration 1 started: US-001 Item 1 [claude-haiku-5-5, the ladder's "
                         "lowest rung (start_tier \"lowest\")]"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("iteration 3 started: US-001 Item 1 [claude-sonnet-5-5, escalated from "
                         "claude-haiku-5-5 after 2 iterations without progress]"),
            std::string::npos)
      << run.out;

  auto records = h.records();
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(records[i]["model"], "claude-haiku-5-5") << records[i].dump();
    EXPECT_EQ(records[i]["tier"], 0);
    EXPECT_TRUE(records[i]["escalated_from"].is_null());
    EXPECT_EQ(records[i]["items_completed"], json::array());
  }
  EXPECT_EQ(records[2]["model"], "claude-sonnet-5-5") << records[2].dump();
  EXPECT_EQ(records[2]["tier"], 1);
  EXPECT_EQ(records[2]["escalated_from"], "claude-haiku-5-5");
  EXPECT_EQ(records[2]["model_reason"],
            "escalated from claude-haiku-5-5 after 2 iterations without progress");
  EXPECT_EQ(records[2]["items_completed"], json::array({"US-001"}));
  // What the agent was told: the API saw the ladder's models, in that order.
  auto models = requested_models(h);
  ASSERT_FALSE(models.empty());
  EXPECT_EQ(models.front(), "claude-haiku-5-5");
  EXPECT_EQ(models.back(), "claude-sonnet-5-5");
  // The commit says which model did the work.
  EXPECT_NE(h.git({"log", "-1", "--format=%B"}).out.find("Ralph-Model: claude-sonnet-5-5"),
            std::string::npos);
}

TEST(LadderTest, AnItemEstimatedComplexStartsHigherUnderAutoStart) {
  Harness h("ladder_auto_start");
  h.write_plan(0);
  h.write("plans/prd.json", R"({"project": "sample", "userStories": [
    {"id": "US-001", "passes": false, "title": "Migrate the session store",
     "description": "Migrate the session store to the new schema; it must be safe under concurrency and pass the security review.",
     "acceptanceCriteria": ["sessions survive the migration", "no race between writers", "the security review passes"],
     "priority": 1},
    {"id": "US-002", "passes": false, "title": "Fix a typo in the README",
     "description": "Fix a typo.", "acceptanceCriteria": ["the typo is gone"], "priority": 2}
  ]})");
  h.write("plans/ralph.json", std::string("{") + kLadder + R"(, "start_tier": "auto"})");
  h.commit_all("Add the plan");

  CommandResult explain = h.ralph({"validate", "--explain"});
  EXPECT_EQ(explain.exit_code, 0) << explain.out << explain.err;
  EXPECT_NE(explain.out.find("US-001"), std::string::npos) << explain.out;
  EXPECT_NE(explain.out.find("high"), std::string::npos) << explain.out;

  CommandResult run = h.ralph({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["item_id"], "US-001");
  EXPECT_EQ(records[0]["model"], "claude-opus-5-5") << records[0].dump();
  EXPECT_EQ(records[0]["tier"], 2);
  EXPECT_EQ(records[0]["complexity"], "high");
  EXPECT_EQ(records[0]["model_reason"].get<std::string>().rfind("start_tier \"auto\": ", 0), 0u)
      << records[0].dump();
  EXPECT_EQ(records[1]["item_id"], "US-002");
  EXPECT_EQ(records[1]["model"], "claude-haiku-5-5") << records[1].dump();
  EXPECT_EQ(records[1]["tier"], 0);
  EXPECT_EQ(records[1]["complexity"], "low");
}

TEST(LadderTest, AnEscalationTheBudgetCannotPayForHaltsBudget) {
  Harness h("ladder_unaffordable");
  h.write_plan(1);
  h.write("plans/ralph.json", std::string("{") + kLadder + R"(, "budget": 0.10})");
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run"});
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u) << run.out;
  double spent = 0;
  for (const auto& r : records) {
    EXPECT_EQ(r["model"], "claude-haiku-5-5");
    spent += r["cost_usd"].get<double>();
  }
  // The last iteration's tokens at the next model's prices (claude-sonnet-5-5: $2 and $10 per
  // million input and output tokens).
  const json& last = records[1];
  const double expected = last["input_tokens"].get<double>() * 2.0 / 1e6 +
                          last["output_tokens"].get<double>() * 10.0 / 1e6 +
                          last["cache_creation_input_tokens"].get<double>() * 2.5 / 1e6 +
                          last["cache_read_input_tokens"].get<double>() * 0.1 / 1e6;
  ASSERT_GT(expected, 0.10 - spent);
  EXPECT_NE(run.out.find(fmt::format(
                "ralph: US-001 is blocked for the rest of the run: escalating US-001 to "
                "claude-sonnet-5-5 would cost about ${:.4f} (its last iteration's tokens at that "
                "model's prices), more than the ${:.4f} the run's budget has left",
                expected, 0.10 - spent)),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.last_line().rfind("halt: budget - every item left is blocked, and the budget "
                                  "cannot pay for the next model of the ladder: US-001",
                                  0),
            0u)
      << run.out;
  // No request ever went out for the stronger model.
  for (const auto& model : requested_models(h)) EXPECT_NE(model, "claude-sonnet-5-5");
  json state = json::parse(h.read(".ralph/state.json"));
  EXPECT_EQ(state["halt_reason"], "budget");
}

// USD per million tokens of the built-in table (README "Prices"): input, output, cache write,
// cache read.
double priced(const json& tokens, double input, double output, double write, double read) {
  return (tokens["input_tokens"].get<double>() * input +
          tokens["output_tokens"].get<double>() * output +
          tokens["cache_creation_input_tokens"].get<double>() * write +
          tokens["cache_read_input_tokens"].get<double>() * read) /
         1e6;
}

TEST(InsightsTest, CostsInsightsJsonAddsUpToTheRecords) {
  Harness h("insights_after_escalation");
  h.write_plan(1);
  h.write("plans/ralph.json", std::string("{") + kLadder + "}");
  h.commit_all("Add the plan");
  CommandResult run = h.ralph({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u);

  CommandResult out = h.ralph({"costs", "--insights", "--json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json insights = json::parse(out.out);
  double total = 0;
  for (const auto& r : records) total += r["cost_usd"].get<double>();
  EXPECT_NEAR(insights["cost_usd"].get<double>(), total, 1e-12);
  EXPECT_EQ(insights["iterations"], 3);

  // Waste: the two iterations on haiku completed nothing.
  const double wasted = records[0]["cost_usd"].get<double>() + records[1]["cost_usd"].get<double>();
  EXPECT_EQ(insights["waste"]["iterations"], 2);
  EXPECT_NEAR(insights["waste"]["cost_usd"].get<double>(), wasted, 1e-12);
  ASSERT_EQ(insights["waste"]["items"].size(), 1u);
  EXPECT_EQ(insights["waste"]["items"][0]["item_id"], "US-001");
  EXPECT_NEAR(insights["waste"]["share"].get<double>(), wasted / total, 1e-9);
  EXPECT_NEAR(insights["could_have_saved_usd"].get<double>(), wasted, 1e-12);

  // What-if: every record's tokens at each model of the ladder.
  EXPECT_EQ(insights["what_if"]["estimate"], true);
  EXPECT_EQ(insights["what_if"]["basis"], "ladder");
  const std::vector<std::array<double, 4>> prices = {
      {0.10, 0.50, 0.125, 0.01}, {2.0, 10.0, 2.5, 0.1}, {4.0, 20.0, 5.0, 0.2}};
  ASSERT_EQ(insights["what_if"]["models"].size(), 3u);
  for (size_t m = 0; m < 3; ++m) {
    double expected = 0;
    for (const auto& r : records) {
      expected += priced(r, prices[m][0], prices[m][1], prices[m][2], prices[m][3]);
    }
    const json& row = insights["what_if"]["models"][m];
    EXPECT_NEAR(row["cost_usd"].get<double>(), expected, 1e-9) << row.dump();
    EXPECT_NEAR(row["difference_usd"].get<double>(), expected - total, 1e-9);
  }
  EXPECT_EQ(insights["what_if"]["models"][0]["used"], true);
  EXPECT_EQ(insights["what_if"]["models"][1]["used"], true);
  EXPECT_EQ(insights["what_if"]["models"][2]["used"], false);

  // Cache: the first iteration is cold, the second read the cache, the third is a new model.
  const json& misses = insights["cache"]["iterations"];
  ASSERT_EQ(misses.size(), 2u) << misses.dump();
  EXPECT_EQ(misses[0]["iteration"], 1);
  EXPECT_EQ(misses[0]["cause"], "first_iteration");
  EXPECT_EQ(misses[1]["iteration"], 3);
  EXPECT_EQ(misses[1]["cause"], "model_changed");
  EXPECT_NEAR(misses[1]["cache_hit_ratio"].get<double>(),
              records[2]["cache_hit_ratio"].get<double>(), 1e-12);
  // Above cache-read prices: claude-sonnet-5-5's input and cache writes at $2 and $2.5 per
  // million, less $0.1 for cache reads.
  const json& third = records[2];
  EXPECT_NEAR(misses[1]["excess_usd"].get<double>(),
              (third["input_tokens"].get<double>() * (2.0 - 0.1) +
               third["cache_creation_input_tokens"].get<double>() * (2.5 - 0.1)) /
                  1e6,
              1e-9);

  // Completed on the third try, not the first: nothing to start lower; nothing else to say.
  EXPECT_TRUE(insights["start_lower"]["items"].empty());
  EXPECT_TRUE(insights["context"]["items"].empty());
  EXPECT_TRUE(insights["anomalies"]["iterations"].empty());

  CommandResult text = h.ralph({"costs", "--insights"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(fmt::format("waste: ${:.4f}", wasted)), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("what-if (estimate)"), std::string::npos) << text.out;
}

TEST(AnomalyTest, ARunawayIterationIsFlaggedLiveToldToAHookAndHaltsTheRun) {
  Harness h("anomaly_runaway");
  h.add_plan(6);
  h.write("hooks/anomaly.sh",
          "#!/bin/sh\ncat >> anomaly-events.jsonl\necho >> anomaly-events.jsonl\n");
  ::chmod((h.repo() / "hooks/anomaly.sh").c_str(), 0755);
  h.write("plans/ralph.json",
          R"({"halt_on_anomaly": true, "hooks": {"on_anomaly": ["hooks/anomaly.sh"]}})");
  h.write(".gitignore", "anomaly-events.jsonl\n");
  h.commit_all("Add the hook");

  // Without halt_on_anomaly the sixth iteration would run until its timeout. The agent is a
  // wrapper that pipes the CLI through tee, as users give it, and the runaway's tool leaves a
  // daemon behind: the stop must reach all of it.
  CommandResult run = h.ralph({"run", "--agent", h.write_wrapper().string(), "--model",
                               "claude-sonnet-5-5", "--iteration-timeout", "120"});
  EXPECT_EQ(run.exit_code, 8) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 6u) << run.out;
  std::vector<double> costs;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(records[i]["anomalies"], json::array()) << records[i].dump();
    costs.push_back(records[i]["cost_usd"].get<double>());
  }
  std::sort(costs.begin(), costs.end());
  const double median = costs[2];
  const json& runaway = records[5];
  EXPECT_EQ(runaway["outcome"], "anomaly") << runaway.dump();
  ASSERT_FALSE(runaway["anomalies"].empty()) << runaway.dump();
  const std::string first = runaway["anomalies"][0];
  EXPECT_EQ(first.rfind("cost ", 0), 0u) << first;
  EXPECT_NE(first.find("x the run's median"), std::string::npos) << first;
  // Stopped live: after a turn or two of the endless tool loop, not at the timeout.
  EXPECT_LT(runaway["num_turns"].get<int>(), 5) << runaway.dump();
  EXPECT_LT(runaway["duration_ms"].get<int64_t>(), 60000);
  EXPECT_GE(runaway["stray_processes"].get<int>(), 1) << runaway.dump();  // the daemon, stopped
  EXPECT_NE(run.out.find("ralph: warning: iteration 6 on US-006 is an anomaly: cost "),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.last_line().rfind("halt: anomaly - iteration 6 on US-006 is an anomaly: cost ", 0),
            0u)
      << run.out;

  // One event per metric flagged, cost first.
  std::vector<json> events;
  std::istringstream lines(h.read("anomaly-events.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) events.push_back(json::parse(line));
  }
  ASSERT_EQ(events.size(), runaway["anomalies"].size()) << h.read("anomaly-events.jsonl");
  const json& event = events[0];
  EXPECT_EQ(event["event"], "on_anomaly");
  EXPECT_EQ(event["iteration"], 6);
  EXPECT_EQ(event["item_id"], "US-006");
  EXPECT_EQ(event["metric"], "cost");
  EXPECT_NEAR(event["median"].get<double>(), median, 1e-9);
  EXPECT_GT(event["value"].get<double>(), 4 * median);
  EXPECT_EQ(event["halting"], true);

  json state = json::parse(h.read(".ralph/state.json"));
  EXPECT_EQ(state["halt_reason"], "anomaly");
  json insights = json::parse(h.ralph({"costs", "--insights", "--json"}).out);
  ASSERT_EQ(insights["anomalies"]["iterations"].size(), 1u) << insights.dump();
  EXPECT_EQ(insights["anomalies"]["iterations"][0]["iteration"], 6);
  EXPECT_EQ(insights["anomalies"]["iterations"][0]["anomalies"], runaway["anomalies"]);
  EXPECT_NEAR(insights["anomalies"]["cost_usd"].get<double>(), runaway["cost_usd"].get<double>(),
              1e-12);
  EXPECT_TRUE(h.leftover_processes().empty());
}

}  // namespace
}  // namespace ralph::integration
