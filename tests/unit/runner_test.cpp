// The loop's decisions, with the agent, git and the clock behind fakes.
#include "loop/runner.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "runner_fixture.hpp"

namespace ralph::loop {
namespace {

using testing::AgentScript;

TEST_F(RunnerTest, CompletesWhenEveryItemPasses) {
  agent.scripts = {completing(0.25), completing(0.5)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete);
  EXPECT_EQ(exit_code(halt.reason), 0);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].iteration, 1);
  EXPECT_EQ(log[0].item_id, "US-1");
  EXPECT_EQ(log[0].items_completed, std::vector<std::string>{"US-1"});
  EXPECT_EQ(log[0].cost_source, "agent");
  EXPECT_DOUBLE_EQ(log[0].cost_usd, 0.25);
  EXPECT_EQ(log[0].outcome, "success");
  EXPECT_EQ(log[0].commit, "c1");
  EXPECT_EQ(log[1].items_completed, std::vector<std::string>{"US-2"});
  ASSERT_EQ(vcs.messages.size(), 2u);
  EXPECT_NE(vcs.messages[1].find("ralph(US-2): Item 2"), std::string::npos);
  EXPECT_NE(vcs.messages[1].find("Ralph-Cost-USD: 0.5000"), std::string::npos);
  auto state = read_state(options.state_path());
  ASSERT_TRUE(state);
  EXPECT_EQ(state->halt_reason, "complete");
  EXPECT_EQ(state->status, "halted");
  // The prompt was filled and the agent argv is the README's ("Configuration").
  const auto& argv = agent.launches.at(0).argv;
  EXPECT_EQ(argv.at(0), "claude");
  EXPECT_EQ(argv.at(2), "Do US-1: Item 1 (iteration 1)");
}

TEST_F(RunnerTest, TheCompletionClaimAloneIsNotEnough) {
  options.halts.max_iterations = 2;
  for (int i = 0; i < 2; ++i) {
    AgentScript script;
    script.lines = {init_line(), result_line(0.1, "<promise>COMPLETE</promise>")};
    script.on_launch = [this] { vcs.touch(); };  // changes files, completes nothing
    agent.scripts.push_back(script);
  }
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kMaxIterations);
  EXPECT_EQ(exit_code(halt.reason), 4);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(log[0].claimed_complete);
  EXPECT_TRUE(log[0].items_completed.empty());
}

TEST_F(RunnerTest, BudgetCapStopsAnEndlessIterationWithinOneTurn) {
  options.budgets.run = 1.0;
  AgentScript endless;
  endless.lines = {init_line()};
  // Each turn: 200k input tokens at $2/M = $0.40 as soon as message_start arrives.
  endless.endless = [](int k) {
    auto lines = turn(fmt::format("e{}", k / 2), 200'000, 100);
    return lines[k % 2];
  };
  agent.scripts = {endless};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kBudget);
  EXPECT_EQ(exit_code(halt.reason), 3);
  EXPECT_EQ(agent.stops, 1);
  auto log = records();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].outcome, "budget");
  EXPECT_EQ(log[0].cost_source, "estimated");
  EXPECT_GT(log[0].cost_usd, 1.0);
  EXPECT_LE(log[0].cost_usd, 1.0 + 0.40 + 0.001);  // at most one turn of overshoot
  EXPECT_EQ(log[0].num_turns, 3);
  // The agent was told what was left.
  const auto& argv = agent.launches.at(0).argv;
  auto flag = std::find(argv.begin(), argv.end(), "--max-budget-usd");
  ASSERT_NE(flag, argv.end());
  EXPECT_EQ(*(flag + 1), "1.0000");
}

TEST_F(RunnerTest, NoIterationStartsWhenLessThanTheCheapestIsLeft) {
  options.budgets.run = 1.0;
  write_plan({false, false, false});
  agent.scripts = {completing(0.45), completing(0.4), completing(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kBudget);
  EXPECT_EQ(records().size(), 2u);  // $0.15 left, cheapest so far $0.40
  EXPECT_EQ(agent.launches.size(), 2u);
}

TEST_F(RunnerTest, StallsWhenNothingChanges) {
  options.halts.stall_after = 3;
  for (int i = 0; i < 5; ++i) {
    AgentScript idle;
    idle.lines = {init_line(), result_line(0.01)};
    agent.scripts.push_back(idle);
  }
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kStalled);
  EXPECT_EQ(exit_code(halt.reason), 5);
  EXPECT_EQ(records().size(), 3u);
  EXPECT_TRUE(vcs.messages.empty());  // no empty commits
}

TEST_F(RunnerTest, AMissingAgentIsFatal) {
  agent.fail_launch = true;
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kAgentFatal);
  EXPECT_EQ(exit_code(halt.reason), 6);
  auto log = records();
  ASSERT_EQ(log.size(), 1u);  // every iteration that started is recorded
  EXPECT_EQ(log[0].outcome, "agent_error");
}

TEST_F(RunnerTest, RepeatedAgentFailuresAreFatal) {
  for (int i = 0; i < 3; ++i) {
    AgentScript crash;
    crash.lines = {init_line()};
    crash.exit_code = 1;
    crash.on_launch = [this] { vcs.touch(); };
    agent.scripts.push_back(crash);
  }
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kAgentFatal);
  EXPECT_NE(halt.detail.find("3 iterations in a row"), std::string::npos);
  EXPECT_EQ(records().size(), 3u);
  // Exponential back-off between the failed iterations.
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_EQ(waits[0].first, std::chrono::seconds(10));
  EXPECT_EQ(waits[1].first, std::chrono::seconds(20));
}

TEST_F(RunnerTest, AFailureBetweenSuccessesIsRetriedAfterABackoff) {
  AgentScript crash;
  crash.lines = {init_line()};
  crash.exit_code = 1;
  crash.on_launch = [this] { vcs.touch(); };
  agent.scripts = {crash, completing(0.1), completing(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_NE(waits[0].second.find("exit code 1"), std::string::npos);
}

TEST_F(RunnerTest, UsageLimitWaitsForItsResetThenGoesOn) {
  AgentScript limited;
  const auto reset =
      std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch())
          .count() +
      3600;
  limited.lines = {
      init_line(),
      fmt::format(
          R"({{"type":"rate_limit_event","rate_limit_info":{{"status":"rejected","resetsAt":{},"rateLimitType":"five_hour"}}}})",
          reset)};
  limited.endless = [](int) { return std::string(R"({"type":"system","subtype":"status"})"); };
  agent.scripts = {limited, completing(0.1), completing(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(agent.stops, 1);  // stopped at once rather than left retrying
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_GE(waits[0].first, std::chrono::seconds(3600));
  EXPECT_LE(waits[0].first, std::chrono::seconds(3610));
  EXPECT_NE(waits[0].second.find("usage limit"), std::string::npos);
  EXPECT_EQ(records().size(), 3u);
}

TEST_F(RunnerTest, UsageLimitPastMaxWaitHalts) {
  options.halts.max_wait = std::chrono::seconds(600);
  AgentScript limited;
  limited.lines = {init_line(), result_line(0, "Claude AI usage limit reached|4102444800", true)};
  agent.scripts = {limited};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kAgentFatal);
  EXPECT_NE(halt.detail.find("--max-wait"), std::string::npos);
  EXPECT_TRUE(waits.empty());
}

TEST_F(RunnerTest, ASignalDuringAWaitInterrupts) {
  AgentScript crash;
  crash.lines = {init_line()};
  crash.exit_code = 1;
  crash.on_launch = [this] {
    vcs.touch();
    interrupts = 1;  // arrives while the loop is about to back off
  };
  agent.scripts = {crash};
  // The session sees the signal too; either way the run ends interrupted with a record.
  EXPECT_EQ(run().reason, HaltReason::kInterrupted);
  EXPECT_EQ(records().size(), 1u);
}

TEST_F(RunnerTest, ResumeAfterACrashRecoversTheLostIteration) {
  // What a ralph killed with -9 in the middle of iteration 2 leaves behind.
  agent.scripts = {completing(0.25)};
  options.halts.max_iterations = 1;
  ASSERT_EQ(run().reason, HaltReason::kMaxIterations);
  RunState crashed = *read_state(options.state_path());
  crashed.status = "running";
  crashed.halt_reason.clear();
  crashed.iteration = 2;
  crashed.current_item = "US-2";
  crashed.item_title = "Item 2";
  crashed.iteration_started_at = format_rfc3339(clock.wall_now());
  crashed.passing_before = {"US-1"};
  crashed.tier = 1;  // on the ladder's second rung
  crashed.escalated_from = "claude-haiku-5-5";
  crashed.model_reason = "escalated from claude-haiku-5-5 after 2 iterations without progress";
  crashed.prompt_digest = "0123456789abcdef";
  ASSERT_TRUE(write_state(options.state_path(), crashed));
  std::string lines = init_line() + "\n";
  for (auto& line : turn("lost-1", 100'000, 1000)) lines += line + "\n";
  lines += R"({"type":"stream_event","event":{"type":"message_start","message":{"id":"lo)";
  dir.write(".ralph/runs/run-1/2.stream.jsonl", lines);  // torn at the kill
  // The agent wrote its last line 20 s into the iteration; ralph resumes 30 s in.
  const auto last_line = clock.wall_now() + std::chrono::seconds(20);
  const auto since_epoch = last_line.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const timespec at{
      static_cast<time_t>(seconds.count()),
      static_cast<long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count())};
  const timespec times[2] = {at, at};
  ASSERT_EQ(
      ::utimensat(AT_FDCWD, (dir.path() / ".ralph/runs/run-1/2.stream.jsonl").c_str(), times, 0),
      0);
  write_plan({true, true});  // the agent had finished US-2 before the kill
  vcs.touch();

  options.halts.max_iterations = 50;
  clock.advance(std::chrono::seconds(30));
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].iteration, 2);
  EXPECT_EQ(log[1].run_id, "run-1");
  EXPECT_EQ(log[1].cost_source, "estimated");
  EXPECT_EQ(log[1].outcome, "interrupted");
  EXPECT_NEAR(log[1].cost_usd, 100'000 * 2 / 1e6 + 1000 * 10 / 1e6, 1e-9);
  EXPECT_EQ(log[1].items_completed, std::vector<std::string>{"US-2"});
  EXPECT_EQ(log[1].duration_ms, 20'000);  // to its stream's last line, not to the resume
  EXPECT_EQ(log[1].ended_at, format_rfc3339(last_line));
  EXPECT_EQ(log[1].commit, "c2");  // its work is committed with it
  // Its model's rung and why, and what made its prompt, as state.json had them.
  EXPECT_EQ(log[1].tier, 1);
  EXPECT_EQ(log[1].escalated_from, "claude-haiku-5-5");
  EXPECT_EQ(log[1].model_reason, crashed.model_reason);
  EXPECT_EQ(log[1].prompt_digest, "0123456789abcdef");
  EXPECT_FALSE(log[1].claude_md_digest);
}

TEST_F(RunnerTest, AuthenticationRetriesStopAtOnce) {
  AgentScript refused;
  refused.lines = {
      init_line(),
      R"({"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,"error_status":401,"error":"authentication_failed"})"};
  refused.endless = [](int) { return R"({"type":"system","subtype":"status"})"; };
  agent.scripts = {refused};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kAgentFatal);
  EXPECT_NE(halt.detail.find("ANTHROPIC_API_KEY"), std::string::npos);
  EXPECT_EQ(agent.stops, 1);
}

TEST_F(RunnerTest, TimeoutStopsTheIterationAndTheRunGoesOn) {
  options.iteration_timeout = std::chrono::seconds(5);
  AgentScript hang;
  hang.lines = {init_line()};
  hang.endless = [](int) { return R"({"type":"system","subtype":"status"})"; };
  hang.per_read = std::chrono::milliseconds(1000);
  hang.on_launch = [this] { vcs.touch(); };
  agent.scripts = {hang, completing(0.1), completing(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].outcome, "timeout");
  EXPECT_EQ(log[0].commit, "c1");  // the timed-out iteration's work is kept
}

TEST_F(RunnerTest, InterruptRecordsTheIterationAndResumeContinuesIt) {
  AgentScript slow;
  slow.lines = {init_line()};
  for (auto& line : turn("m-int", 1000, 10)) slow.lines.push_back(line);
  slow.endless = [this](int k) {
    if (k > 5) interrupts = 1;
    return std::string(R"({"type":"system","subtype":"status"})");
  };
  agent.scripts = {slow};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kInterrupted);
  EXPECT_EQ(exit_code(halt.reason), 130);
  auto log = records();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].outcome, "interrupted");
  EXPECT_GT(log[0].cost_usd, 0);  // from the live meter

  interrupts = 0;
  agent.scripts = {completing(0.1), completing(0.1)};
  halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete);
  log = records();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].run_id, log[0].run_id);
  EXPECT_EQ(log[1].iteration, 2);
  EXPECT_EQ(log[2].iteration, 3);
}

// Runs an iteration that `count` interrupts stop; the grace period the agent was given.
std::chrono::milliseconds grace_after_interrupts(RunnerTest& t, int count) {
  t.options.stop_grace = std::chrono::milliseconds(5000);
  AgentScript slow;
  slow.lines = {init_line()};
  slow.endless = [&t, count](int k) {
    if (k > 3) t.interrupts = count;
    return std::string(R"({"type":"system","subtype":"status"})");
  };
  t.agent.scripts = {slow};
  EXPECT_EQ(t.run().reason, HaltReason::kInterrupted);
  return t.agent.last_grace;
}

TEST_F(RunnerTest, ASecondInterruptSkipsTheGracePeriod) {
  EXPECT_EQ(grace_after_interrupts(*this, 2), std::chrono::milliseconds(0));
}

TEST_F(RunnerTest, OneInterruptGivesTheAgentItsGracePeriod) {
  EXPECT_EQ(grace_after_interrupts(*this, 1), std::chrono::milliseconds(5000));
}

TEST_F(RunnerTest, SecretsNeverReachTheStreamFileTheStderrLogOrACommit) {
  const std::string secret = "sk-test-SECRET-value-0123456789";
  dir.write("plans/prd.json",
            R"({"userStories":[{"id":"A","title":"use key )" + secret + R"(","passes":false}]})");
  plan_state = {false};
  AgentScript leaky = completing(0.1);
  leaky.lines.insert(
      leaky.lines.begin() + 1,
      R"({"type":"user","message":{"content":[{"type":"tool_result","content":"ANTHROPIC_API_KEY=)" +
          secret + R"("}]}})");
  agent.scripts = {leaky};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  std::string stream = dir.read(".ralph/runs/run-1/1.stream.jsonl");
  EXPECT_EQ(stream.find(secret), std::string::npos);
  EXPECT_NE(stream.find("ANTHROPIC_API_KEY=[REDACTED]"), std::string::npos);
  ASSERT_EQ(vcs.messages.size(), 1u);
  EXPECT_EQ(vcs.messages[0].find(secret), std::string::npos);
  EXPECT_NE(vcs.messages[0].find("use key [REDACTED]"), std::string::npos);
  EXPECT_EQ(records()[0].cost_source, "agent");  // metering saw the line unredacted
}

TEST_F(RunnerTest, NewRunAfterACompletedOne) {
  agent.scripts = {completing(0.1), completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  write_plan({false});
  agent.scripts = {completing(0.1)};
  int ids = 0;
  plan::Problems problems;
  auto loaded = plan::load_plan_folder(options.plan, problems);
  ASSERT_TRUE(loaded);
  RunnerDeps d = deps();
  d.make_run_id = [&ids] { return fmt::format("run-{}", 2 + ids++); };
  Runner runner(options, std::move(*loaded), d);
  EXPECT_EQ(runner.run().reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[2].run_id, "run-2");
  EXPECT_EQ(log[2].iteration, 1);
}

TEST_F(RunnerTest, ACommitFailureHaltsWithTheRecordWritten) {
  vcs.fail_commit = true;
  agent.scripts = {completing(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kError);
  EXPECT_NE(halt.detail.find("index.lock"), std::string::npos);
  auto log = records();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_FALSE(log[0].commit);
}

TEST_F(RunnerTest, NoCommitMeansNoCommits) {
  options.no_commit = true;
  agent.scripts = {completing(0.1), completing(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_TRUE(vcs.messages.empty());
  EXPECT_FALSE(records()[0].commit);
  // One walk of the work tree per iteration: each iteration's "before" is the last one's
  // "after", and both iterations made progress.
  EXPECT_EQ(vcs.walks, 3);
  EXPECT_TRUE(records()[1].progress && *records()[1].progress);
}

TEST_F(RunnerTest, ItemModelOverridesTheRunModel) {
  options.model = "sonnet";
  dir.write("plans/prd.json",
            R"({"userStories":[{"id":"A","title":"a","passes":false,"model":"haiku"}]})");
  plan_state = {false};
  agent.scripts = {completing(0.1)};
  run();
  const auto& argv = agent.launches.at(0).argv;
  auto flag = std::find(argv.begin(), argv.end(), "--model");
  ASSERT_NE(flag, argv.end());
  EXPECT_EQ(*(flag + 1), "haiku");
}

}  // namespace
}  // namespace ralph::loop
