// No process outlives ralph, the way users run it: the agent is a wrapper script that pipes
// the real Claude Code CLI through `tee`, and the agent's tool command leaves a background
// job, a setsid daemon and a double-forked daemon behind (the Bash tool's shell already runs
// in a session of its own). After each way an iteration can end, nothing started for the run
// is left running, checked through /proc the moment ralph has exited, with no waiting.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>

#include <fmt/format.h>

#include "agent/proc_table.hpp"
#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The pids the tool command wrote: the three processes it left running.
std::vector<int> daemon_pids(const Harness& h) {
  std::vector<int> pids;
  for (const char* kind : {"plain", "setsid", "double"}) {
    std::string text = h.read("../home/pids/" + std::string(kind));
    EXPECT_FALSE(text.empty()) << kind << " daemon never started";
    if (!text.empty()) pids.push_back(std::stoi(text));
  }
  return pids;
}

bool running(int pid) {
  auto process = agent::read_process(pid);
  return process && !process->zombie();
}

// Right after ralph exited: none of the daemons, nor anything else of the test's, runs.
void expect_nothing_left(const Harness& h) {
  for (int pid : daemon_pids(h)) EXPECT_FALSE(running(pid)) << "pid " << pid << " outlived ralph";
  auto left = h.leftover_processes();
  EXPECT_TRUE(left.empty()) << left.size() << " processes outlived ralph, e.g. pid "
                            << (left.empty() ? 0 : left[0]);
}

// Waits until the tool command has started all three.
void wait_for_daemons(const Harness& h) {
  for (const char* kind : {"plain", "setsid", "double"}) {
    ASSERT_TRUE(h.wait_for_file(h.home() / "pids" / kind, 60s)) << kind;
  }
}

TEST(StrayProcessesTest, ANormalEndStopsWhatTheToolsLeftRunning) {
  Harness h("strays_normal_end");
  h.add_plan(1);
  CommandResult run = h.ralph({"run", "--agent", h.write_wrapper().string()});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  expect_nothing_left(h);
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "success");
  // The agent ended by itself, so all three were still running: ralph names each.
  EXPECT_EQ(records[0]["stray_processes"], 3) << records[0].dump();
  for (int pid : daemon_pids(h)) {
    EXPECT_NE(run.out.find(fmt::format("sleep (pid {})", pid)), std::string::npos) << run.out;
  }
  EXPECT_NE(run.out.find("ralph: warning: stopped 3 processes the agent left running"),
            std::string::npos)
      << run.out;
}

TEST(StrayProcessesTest, ATimeoutStopsTheAgentAndWhatItLeft) {
  Harness h("strays_hanging");
  h.add_plan(1);
  CommandResult run =
      h.ralph({"run", "--agent", h.write_wrapper().string(), "--iteration-timeout", "10"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  expect_nothing_left(h);
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["outcome"], "timeout");
  // The CLI, stopped, may end part of its tool's tree itself; the daemons it cannot reach.
  EXPECT_GE(records[0]["stray_processes"].get<int>(), 1) << records[0].dump();
}

TEST(StrayProcessesTest, SigintStopsTheAgentAndWhatItLeft) {
  Harness h("strays_hanging");
  h.add_plan(1);
  int pid = h.start_ralph({"run", "--agent", h.write_wrapper().string()}, "first");
  ASSERT_NO_FATAL_FAILURE(wait_for_daemons(h));
  ::kill(pid, SIGINT);
  CommandResult first = h.finish(pid, "first");
  EXPECT_EQ(first.exit_code, 130) << first.out << first.err;
  expect_nothing_left(h);
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "interrupted");
  EXPECT_GE(records[0]["stray_processes"].get<int>(), 1) << records[0].dump();
}

TEST(StrayProcessesTest, ABudgetStopStopsTheAgentAndWhatItLeft) {
  Harness h("strays_budget");
  h.add_plan(1);
  CommandResult run = h.ralph({"run", "--agent", h.write_wrapper().string(), "--model",
                               "claude-sonnet-5-5", "--budget", "1"});
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  expect_nothing_left(h);
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "budget");
  EXPECT_GE(records[0]["stray_processes"].get<int>(), 1) << records[0].dump();
}

TEST(StrayProcessesTest, AfterKill9TheNextRunStopsWhatTheCrashedOneLeft) {
  Harness h("strays_hanging");
  h.add_plan(1);
  const std::string wrapper = h.write_wrapper().string();
  int pid = h.start_ralph({"run", "--agent", wrapper}, "killed");
  ASSERT_NO_FATAL_FAILURE(wait_for_daemons(h));
  ::kill(pid, SIGKILL);
  h.finish(pid, "killed");
  // Nothing stopped the agent: its whole tree runs on, reparented to init.
  for (int daemon : daemon_pids(h)) EXPECT_TRUE(running(daemon)) << daemon;
  ASSERT_FALSE(h.leftover_processes().empty());

  CommandResult resumed = h.ralph({"run", "--agent", wrapper});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  expect_nothing_left(h);
  EXPECT_NE(resumed.out.find("processes the crashed ralph left running"), std::string::npos)
      << resumed.out;
  EXPECT_NE(resumed.out.find("recovered iteration 1"), std::string::npos) << resumed.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["outcome"], "success");
}

}  // namespace
}  // namespace ralph::integration
