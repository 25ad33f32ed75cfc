// The loop with a model ladder and anomaly checks (README "Models", "Anomalies"): which model
// each iteration is given, that a climb is not taken for a stall, and what an anomaly does.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>

#include "runner_fixture.hpp"

namespace ralph::loop {
namespace {

using testing::AgentScript;

class RunnerLadderTest : public RunnerTest {
 public:
  // An iteration that changes nothing and completes nothing.
  AgentScript idle(double cost) {
    AgentScript script;
    script.lines = {init_line()};
    for (auto& line : turn(fmt::format("i{}", ++message_ids), 1000, 100)) {
      script.lines.push_back(line);
    }
    script.lines.push_back(result_line(cost));
    return script;
  }

  // `script` as the agent reports it on `model` (the fixture's scripts say claude-sonnet-5-5).
  static AgentScript on(const std::string& model, AgentScript script) {
    for (auto& line : script.lines) {
      for (size_t at; (at = line.find("claude-sonnet-5-5")) != std::string::npos;) {
        line.replace(at, 17, model);
      }
    }
    return script;
  }

  // The --model each launch was given ("" for none).
  std::vector<std::string> models_given() {
    std::vector<std::string> out;
    for (const auto& launch : agent.launches) {
      auto it = std::find(launch.argv.begin(), launch.argv.end(), "--model");
      out.push_back(it != launch.argv.end() && it + 1 != launch.argv.end() ? *(it + 1) : "");
    }
    return out;
  }
};

TEST_F(RunnerLadderTest, AnItemClimbsTheWholeLadderWithoutStalling) {
  options.ladder.models = {"claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"};
  options.ladder.escalate_after = 2;
  options.halts.stall_after = 3;
  write_plan({false});
  capture_display();
  agent.scripts = {on("claude-haiku-5-5", idle(0.01)), on("claude-haiku-5-5", idle(0.01)),
                   idle(0.1), idle(0.1), on("claude-opus-5-5", completing(0.5))};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete) << halt.detail << shown();
  EXPECT_EQ(models_given(),
            (std::vector<std::string>{"claude-haiku-5-5", "claude-haiku-5-5", "claude-sonnet-5-5",
                                      "claude-sonnet-5-5", "claude-opus-5-5"}));
  auto logged = records();
  ASSERT_EQ(logged.size(), 5u);
  EXPECT_EQ(logged[0].tier, 0);
  EXPECT_FALSE(logged[0].escalated_from);
  EXPECT_EQ(logged[2].tier, 1);
  EXPECT_EQ(logged[2].escalated_from, "claude-haiku-5-5");
  EXPECT_EQ(logged[3].escalated_from, "claude-haiku-5-5");
  EXPECT_EQ(logged[4].tier, 2);
  EXPECT_EQ(logged[4].escalated_from, "claude-sonnet-5-5");
  EXPECT_EQ(logged[4].model_reason,
            "escalated from claude-sonnet-5-5 after 2 iterations without progress");
  EXPECT_NE(shown().find("iteration 5 started: US-1 Item 1 [claude-opus-5-5, escalated from "
                         "claude-sonnet-5-5 after 2 iterations without progress]"),
            std::string::npos)
      << shown();
  auto state = read_state(options.state_path());
  ASSERT_TRUE(state);
  EXPECT_EQ(state->tier, 2);
  EXPECT_EQ(state->escalated_from, "claude-sonnet-5-5");
}

TEST_F(RunnerLadderTest, AtTheTopTheStallRuleStillHalts) {
  options.ladder.models = {"claude-haiku-5-5", "claude-sonnet-5-5"};
  options.halts.stall_after = 3;
  write_plan({false});
  agent.scripts = {on("claude-haiku-5-5", idle(0.01)), on("claude-haiku-5-5", idle(0.01)),
                   idle(0.1), idle(0.1), idle(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kStalled);
  EXPECT_EQ(records().size(), 5u);  // 2 on haiku, then 3 in a row on sonnet
}

TEST_F(RunnerLadderTest, WithoutALadderTheModelIsTheItemsOrTheRunsAndNoTier) {
  options.model = "sonnet";
  agent.scripts = {completing(0.1), completing(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(models_given(), (std::vector<std::string>{"sonnet", "sonnet"}));
  for (const auto& record : records()) {
    EXPECT_FALSE(record.tier);
    EXPECT_EQ(record.model_reason, "\"model\" in the run settings");
    EXPECT_TRUE(record.prompt_digest);
    EXPECT_TRUE(record.anomalies.empty());
  }
}

TEST_F(RunnerLadderTest, AnEscalationThatCannotBePaidForBlocksTheItemAndTheNextGoesOn) {
  options.ladder.models = {"claude-haiku-5-5", "claude-opus-5-5"};
  // Each idle iteration reads 1000 input and 100 output tokens: $0.0060 at opus's prices.
  // Two iterations of $0.001 leave $0.003 of US-1's $0.005: enough for another on haiku.
  options.budgets.item = 0.005;
  capture_display();
  AgentScript second = completing(0.01);
  second.on_launch = [this] {  // US-2, the item given
    plan_state[1] = true;
    write_plan(plan_state);
    vcs.touch();
  };
  agent.scripts = {on("claude-haiku-5-5", idle(0.001)), on("claude-haiku-5-5", idle(0.001)),
                   second};
  Halt halt = run();
  // Nothing left but the item its next model cannot be paid for: `budget`, not `blocked`.
  EXPECT_EQ(halt.reason, HaltReason::kBudget) << halt.detail;
  auto logged = records();
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_EQ(logged[2].item_id, "US-2");
  EXPECT_NE(shown().find("ralph: US-1 is blocked for the rest of the run: escalating US-1 to "
                         "claude-opus-5-5 would cost about $0.0060"),
            std::string::npos)
      << shown();
}

TEST_F(RunnerLadderTest, AutoStartLearnsFromThisRepositorysHistory) {
  options.ladder.models = {"claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"};
  options.ladder.auto_start = true;
  dir.write("plans/prd.json",
            R"({"userStories":[{"id":"US-9","title":"Migrate the store for concurrency and )"
            R"(security","priority":1,"passes":false}]})");
  plan_state = {false};
  // Three earlier high items passed on tier 1.
  std::filesystem::create_directories(options.state_dir());
  meter::CostLog log(options.log_path());
  for (int i = 1; i <= 3; ++i) {
    meter::IterationRecord past;
    past.run_id = "run-0";
    past.iteration = i;
    past.item_id = fmt::format("OLD-{}", i);
    past.items_completed = {*past.item_id};
    past.tier = 1;
    past.complexity = "high";
    past.cost_usd = 0.3;
    ASSERT_TRUE(log.append(past));
  }
  agent.scripts = {completing(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  auto logged = records();
  ASSERT_EQ(logged.size(), 4u);
  EXPECT_EQ(logged[3].tier, 1);  // not the top rung its estimate alone would give
  EXPECT_EQ(logged[3].complexity, "high");
  EXPECT_NE(logged[3].model_reason.find("3 high items here passed on tier 1"), std::string::npos)
      << logged[3].model_reason;
  EXPECT_EQ(models_given(), (std::vector<std::string>{"claude-sonnet-5-5"}));
}

TEST_F(RunnerLadderTest, AnEscalationTheDayCannotPayForWaitsForTheNextDay) {
  ledger = std::make_unique<budget::Ledger>(dir.path() / "ledger.jsonl");
  options.ladder.models = {"claude-haiku-5-5", "claude-opus-5-5"};
  // Two haiku iterations of $0.001 leave $0.005 of the day; opus would cost about $0.006.
  options.budgets.day = 0.007;
  options.calendar_wait = true;
  options.timezone = "UTC";
  write_plan({false});
  capture_display();
  agent.scripts = {on("claude-haiku-5-5", idle(0.001)), on("claude-haiku-5-5", idle(0.001)),
                   on("claude-opus-5-5", completing(0.006))};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete) << halt.detail << shown();
  EXPECT_EQ(models_given(),
            (std::vector<std::string>{"claude-haiku-5-5", "claude-haiku-5-5", "claude-opus-5-5"}));
  ASSERT_FALSE(waits.empty());
  EXPECT_NE(waits[0].second.find("calendar cap: escalating US-1 to claude-opus-5-5 would cost "
                                 "about $0.0060"),
            std::string::npos)
      << waits[0].second;
  EXPECT_EQ(shown().find("is blocked"), std::string::npos) << shown();
}

TEST_F(RunnerLadderTest, AResumeCountsTriesAsTheLoopDid) {
  options.ladder.models = {"claude-haiku-5-5", "claude-sonnet-5-5"};
  options.no_commit = true;
  write_plan({false});
  // Two iterations that change files without finishing: progress, so no escalation.
  AgentScript busy = on("claude-haiku-5-5", idle(0.001));
  busy.on_launch = [this] { vcs.touch(); };
  agent.scripts = {busy, busy};
  options.halts.max_iterations = 2;
  EXPECT_EQ(run().reason, HaltReason::kMaxIterations);
  for (const auto& record : records()) {
    EXPECT_EQ(record.progress, true);
    EXPECT_EQ(record.item_try, true);
  }
  // Resumed: still on haiku (under --no-commit nothing is committed, yet it was progress).
  options.resume = RunOptions::Resume::kResume;
  options.halts.max_iterations = 3;
  agent.scripts = {on("claude-haiku-5-5", completing(0.001))};
  agent.launches.clear();
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(models_given(), (std::vector<std::string>{"claude-haiku-5-5"}));
}

class RunnerAnomalyTest : public RunnerLadderTest {
 public:
  void SetUp() override {
    RunnerLadderTest::SetUp();
    write_plan(std::vector<bool>(7, false));
  }
};

TEST_F(RunnerAnomalyTest, AnIterationFarAboveTheMedianIsFlaggedAndTheRunGoesOn) {
  options.hooks["on_anomaly"] = {"hooks/anomaly.sh"};
  capture_display();
  agent.scripts = {completing(0.1),  completing(0.1), completing(0.12), completing(0.1),
                   completing(0.09), completing(1.0), completing(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete) << halt.detail;
  auto logged = records();
  ASSERT_EQ(logged.size(), 7u);
  for (size_t i = 0; i < 5; ++i) EXPECT_TRUE(logged[i].anomalies.empty());
  EXPECT_EQ(logged[5].anomalies, (std::vector<std::string>{"cost 10.0x the run's median"}));
  EXPECT_TRUE(logged[6].anomalies.empty());
  EXPECT_NE(shown().find("ralph: warning: iteration 6 on US-6 is an anomaly: cost 10.0x the run's "
                         "median ($1.0000 against a median of $0.1000)"),
            std::string::npos)
      << shown();
  auto events = hooks.payloads("on_anomaly");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["metric"], "cost");
  EXPECT_DOUBLE_EQ(events[0]["value"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(events[0]["median"].get<double>(), 0.1);
  EXPECT_EQ(events[0]["halting"], false);
}

TEST_F(RunnerAnomalyTest, HaltOnAnomalyHaltsWithExitCodeEight) {
  options.halt_on_anomaly = true;
  agent.scripts = {completing(0.1), completing(0.1), completing(0.1), completing(0.1),
                   completing(0.1), completing(0.9), completing(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kAnomaly);
  EXPECT_EQ(exit_code(halt.reason), 8);
  EXPECT_EQ(halt_name(halt.reason), "anomaly");
  EXPECT_NE(halt.detail.find("iteration 6 on US-6 is an anomaly: cost 9.0x the run's median "
                             "(halt_on_anomaly)"),
            std::string::npos)
      << halt.detail;
  auto logged = records();
  ASSERT_EQ(logged.size(), 6u);
  // Seen only in the record's figures (the agent's count of its cost), after the agent ended
  // by itself: its outcome is its own; the live stop is the integration test's.
  EXPECT_EQ(logged[5].outcome, "success");
  EXPECT_EQ(logged[5].anomalies, (std::vector<std::string>{"cost 9.0x the run's median"}));
}

TEST_F(RunnerAnomalyTest, TheFactorIsASetting) {
  options.anomaly_factor = 20;
  options.halt_on_anomaly = true;
  agent.scripts = {completing(0.1), completing(0.1), completing(0.1), completing(0.1),
                   completing(0.1), completing(1.0), completing(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
}

}  // namespace
}  // namespace ralph::loop
