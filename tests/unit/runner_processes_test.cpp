// The loop and the agent's process tree, with a fake agent and a fake sweeper: every way an
// iteration ends sweeps what the agent left; the tag reaches the agent; a lingering, a silent
// and a half-exited agent end their iterations; a resume after a crash sweeps first.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <set>

#include "agent/proc_table.hpp"
#include "agent/process.hpp"
#include "runner_fixture.hpp"

namespace ralph::loop {
namespace {

using testing::AgentScript;

std::string env_of(const agent::LaunchSpec& spec, const std::string& name) {
  for (const auto& [key, value] : spec.env) {
    if (key == name) return value;
  }
  return "";
}

AgentScript hanging(int* interrupts_to_set = nullptr) {
  AgentScript hang;
  hang.lines = {init_line()};
  hang.endless = [interrupts_to_set](int k) {
    if (interrupts_to_set != nullptr && k > 3) *interrupts_to_set = 1;
    return std::string(R"({"type":"system","subtype":"status"})");
  };
  hang.per_read = std::chrono::milliseconds(1000);
  return hang;
}

TEST_F(RunnerTest, EveryIterationEndSweepsWhatItsAgentLeftByItsTag) {
  options.iteration_timeout = std::chrono::seconds(5);
  agent.scripts = {completing(0.1), hanging(), completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  ASSERT_EQ(agent.launches.size(), 3u);
  // One sweep per iteration (a normal end, a timeout, a normal end), then one for the run.
  ASSERT_EQ(sweeper.specs.size(), 4u);
  std::set<std::string> tags;
  for (size_t i = 0; i < 3; ++i) {
    const auto& launch = agent.launches[i];
    const auto& spec = sweeper.specs[i];
    EXPECT_EQ(env_of(launch, "RALPH_RUN_ID"), "run-1");
    EXPECT_EQ(env_of(launch, "RALPH_ITERATION"), std::to_string(i + 1));
    std::string tag = env_of(launch, "RALPH_PROCESS_TAG");
    EXPECT_EQ(tag.rfind(fmt::format("run-1:{}:", i + 1), 0), 0u) << tag;
    tags.insert(tag);
    EXPECT_EQ(spec.tag, tag);
    EXPECT_FALSE(spec.tag_prefix);
    EXPECT_TRUE(spec.orphans);
    EXPECT_GT(spec.started_after, 0u);
    EXPECT_LE(spec.started_after, agent::boot_ticks_now());
  }
  EXPECT_EQ(tags.size(), 3u);  // unique per iteration
  const auto& last = sweeper.specs.back();
  EXPECT_EQ(last.tag, "run-1:");
  EXPECT_TRUE(last.tag_prefix);
  EXPECT_TRUE(last.orphans);
}

TEST_F(RunnerTest, BudgetStopsInterruptsAndLaunchFailuresSweepToo) {
  options.budgets.run = 1.0;
  AgentScript endless;
  endless.lines = {init_line()};
  endless.endless = [](int k) { return turn(fmt::format("e{}", k / 2), 200'000, 100)[k % 2]; };
  agent.scripts = {endless};
  ASSERT_EQ(run().reason, HaltReason::kBudget);
  EXPECT_EQ(sweeper.specs.size(), 2u);  // the iteration's, the run's

  sweeper.specs.clear();
  options.budgets.run.reset();
  options.resume = RunOptions::Resume::kNew;
  agent.scripts = {hanging(&interrupts)};
  ASSERT_EQ(run().reason, HaltReason::kInterrupted);
  ASSERT_EQ(sweeper.specs.size(), 2u);
  EXPECT_EQ(sweeper.specs[0].grace, options.stop_grace);

  sweeper.specs.clear();
  interrupts = 0;
  agent.fail_launch = true;
  ASSERT_EQ(run().reason, HaltReason::kAgentFatal);
  EXPECT_EQ(sweeper.specs.size(), 1u);  // nothing started, but the run's sweep still runs
}

TEST_F(RunnerTest, StraysAreNamedAndCountedInTheRecord) {
  capture_display();
  sweeper.strays = {{{123, "sleep"}, {130, "redis-server"}}};
  agent.scripts = {completing(0.1), completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].stray_processes, 2);
  EXPECT_EQ(log[1].stray_processes, 0);
  EXPECT_NE(shown().find("ralph: warning: stopped 2 processes the agent left running: sleep "
                         "(pid 123), redis-server (pid 130)"),
            std::string::npos)
      << shown();
}

TEST_F(RunnerTest, ALingeringAgentIsStoppedAfterResultGraceAndItsResultCounts) {
  capture_display();
  options.result_grace = std::chrono::seconds(30);
  AgentScript lingering = completing(0.2);
  lingering.silent_after = true;  // the result came, the process does not exit
  lingering.per_read = std::chrono::milliseconds(1000);
  agent.scripts = {lingering, completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].outcome, "success");  // not timeout: the work was done
  EXPECT_TRUE(log[0].lingered);
  EXPECT_EQ(log[0].cost_source, "agent");
  EXPECT_DOUBLE_EQ(log[0].cost_usd, 0.2);
  EXPECT_LE(log[0].duration_ms, 35'000);
  EXPECT_EQ(agent.stops, 1);
  EXPECT_FALSE(log[1].lingered);
  EXPECT_NE(shown().find("printed its result but had not exited 30 s later"), std::string::npos)
      << shown();
}

TEST_F(RunnerTest, ASilentAgentIsStoppedByTheIdleTimeout) {
  capture_display();
  options.idle_timeout = std::chrono::seconds(60);
  AgentScript silent;
  silent.lines = {init_line()};
  silent.silent_after = true;
  silent.per_read = std::chrono::milliseconds(1000);
  silent.on_launch = [this] { vcs.touch(); };
  agent.scripts = {silent, completing(0.1), completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].outcome, "timeout");
  EXPECT_NEAR(log[0].duration_ms, 61'000, 2000);
  EXPECT_NE(shown().find("iteration 1 stopped: the agent was idle for 60 s"), std::string::npos)
      << shown();

  // 0 turns it off: only the iteration timeout ends a silent agent then.
  options.idle_timeout = std::chrono::seconds(0);
  options.iteration_timeout = std::chrono::seconds(300);
  options.resume = RunOptions::Resume::kNew;
  write_plan({false});
  agent.scripts = {silent};
  options.halts.max_iterations = 1;
  run();
  log = records();
  EXPECT_EQ(log.back().outcome, "timeout");
  EXPECT_GE(log.back().duration_ms, 300'000);
}

TEST_F(RunnerTest, AnAgentThatExitedEndsItsIterationThoughAStrayHoldsItsOutput) {
  AgentScript exits = completing(0.3);
  exits.exits_after = true;  // stdout stays open: something it started holds it
  exits.per_read = std::chrono::milliseconds(200);
  agent.scripts = {exits, completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].outcome, "success");
  EXPECT_FALSE(log[0].lingered);
  EXPECT_LT(log[0].duration_ms, 3000);
  EXPECT_EQ(agent.stops, 0);  // it had ended; what held its output is the sweep's
}

// Runs one iteration, then leaves state.json as a ralph killed after it leaves it, changed by
// `crash`; resumes, and returns the first sweep the resumed run made.
agent::SweepSpec first_sweep_after_a_crash(RunnerTest& t,
                                           const std::function<void(RunState&)>& crash) {
  t.agent.scripts = {t.completing(0.25)};
  t.options.halts.max_iterations = 1;
  EXPECT_EQ(t.run().reason, HaltReason::kMaxIterations);
  RunState crashed = *read_state(t.options.state_path());
  crashed.status = "running";
  crash(crashed);
  EXPECT_TRUE(write_state(t.options.state_path(), crashed));
  t.sweeper.specs.clear();
  t.options.halts.max_iterations = 50;
  t.agent.scripts = {t.completing(0.1)};
  t.run();
  EXPECT_GE(t.sweeper.specs.size(), 1u);
  return t.sweeper.specs.empty() ? agent::SweepSpec{} : t.sweeper.specs.front();
}

TEST_F(RunnerTest, AResumeAfterACrashFirstSweepsTheCrashedIterationsProcesses) {
  auto first = first_sweep_after_a_crash(*this, [this](RunState& crashed) {
    crashed.iteration = 2;
    crashed.process_tag = "run-1:2:0badcafe";
    crashed.iteration_start_ticks = 4242;
    crashed.iteration_started_at = format_rfc3339(clock.wall_now());
  });
  EXPECT_EQ(first.tag, "run-1:2:");  // the agent's and the hooks' of that iteration
  EXPECT_TRUE(first.tag_prefix);
  EXPECT_EQ(first.started_after, 4242u);
  EXPECT_FALSE(first.orphans);  // they are not ours: the crashed ralph's
}

TEST_F(RunnerTest, AResumeFromAnOlderStateFileStopsTheAgentsGroupIfItIsStillThatProcess) {
  // A state file from before process tags names the agent by pid and start time.
  auto agent_left = agent::Process::spawn({{"sleep", "30"}, {}});
  ASSERT_TRUE(agent_left);
  const int pid = (*agent_left)->pid();
  const uint64_t ticks = *agent::process_start_ticks(pid);
  auto first = first_sweep_after_a_crash(*this, [&](RunState& crashed) {
    crashed.process_tag.clear();
    crashed.agent_pid = pid;
    crashed.agent_start_ticks = ticks;
  });
  EXPECT_EQ(first.groups, std::vector<int>{pid});
  EXPECT_EQ(first.started_after, ticks);
  EXPECT_TRUE(first.tag.empty());
}

TEST_F(RunnerTest, AResumeFromAnOlderStateFileLeavesAStrangerThatReusedThePidAlone) {
  auto agent_left = agent::Process::spawn({{"sleep", "30"}, {}});
  ASSERT_TRUE(agent_left);
  const int pid = (*agent_left)->pid();
  const uint64_t ticks = *agent::process_start_ticks(pid);
  // The pid now belongs to a process that started at another time.
  auto first = first_sweep_after_a_crash(*this, [&](RunState& crashed) {
    crashed.process_tag.clear();
    crashed.agent_pid = pid;
    crashed.agent_start_ticks = ticks + 1;
  });
  // No sweep for the crash: the first is that of the resumed run's own next iteration.
  EXPECT_TRUE(first.groups.empty() || first.groups.front() != pid);
  EXPECT_EQ(first.tag.rfind("run-1:2:", 0), 0u) << first.tag;
  EXPECT_FALSE(first.tag_prefix);
}

TEST_F(RunnerTest, ANewRunAfterACrashStillStopsWhatTheCrashLeft) {
  agent.scripts = {completing(0.25)};
  options.halts.max_iterations = 1;
  ASSERT_EQ(run().reason, HaltReason::kMaxIterations);
  RunState crashed = *read_state(options.state_path());
  crashed.status = "running";
  crashed.iteration = 2;
  crashed.process_tag = "run-1:2:0badcafe";
  crashed.iteration_start_ticks = 77;
  ASSERT_TRUE(write_state(options.state_path(), crashed));
  sweeper.specs.clear();
  options.resume = RunOptions::Resume::kNew;
  agent.scripts = {completing(0.1)};
  run();
  ASSERT_GE(sweeper.specs.size(), 1u);
  EXPECT_EQ(sweeper.specs[0].tag, "run-1:2:");
  EXPECT_EQ(sweeper.specs[0].started_after, 77u);
}

}  // namespace
}  // namespace ralph::loop
