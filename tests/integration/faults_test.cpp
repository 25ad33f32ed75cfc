// The faults of long unattended runs, against the real Claude Code CLI: hangs, signals,
// crashes, refused credentials, rate limits, stalls, a second run, a failing commit.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>

#include <fmt/format.h>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(FaultsTest, AHangingIterationTimesOutAndTheRunCompletesAfterwards) {
  Harness h("hanging_tool_then_complete");
  h.add_plan(1);
  // Long enough for a healthy iteration of the real CLI on a loaded 2-core machine (one took
  // 3.6 s), short enough to keep the test quick: the hanging one waits it out.
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--iteration-timeout", "8"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["outcome"], "timeout");
  EXPECT_EQ(records[0]["cost_source"], "estimated");
  EXPECT_GT(records[0]["cost_usd"].get<double>(), 0.0);
  EXPECT_EQ(records[1]["outcome"], "success");
  EXPECT_EQ(h.read("started.txt"), "started\n");  // the tool really ran
  // `sleep 600`, started by the agent's tool, went down with the agent's process group.
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(FaultsTest, SigintStopsTheIterationAndTheNextRunResumesIt) {
  Harness h("interrupted_then_resumed");
  h.add_plan(1);
  int pid = h.start_ralph({"run", "--model", "claude-sonnet-5-5"}, "first");
  ASSERT_TRUE(h.api().wait_for_requests(2, 60s));  // inside the long tool command
  ::kill(pid, SIGINT);
  CommandResult first = h.finish(pid, "first");
  EXPECT_EQ(first.exit_code, 130) << first.out << first.err;
  EXPECT_EQ(first.last_line().rfind("halt: interrupted", 0), 0u) << first.out;
  EXPECT_TRUE(h.leftover_processes().empty());
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "interrupted");
  EXPECT_GT(records[0]["cost_usd"].get<double>(), 0.0);  // from the live meter
  EXPECT_EQ(json::parse(h.read(".ralph/state.json"))["halt_reason"], "interrupted");

  CommandResult second = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("resuming run"), std::string::npos);
  records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["run_id"], records[0]["run_id"]);  // one run
  EXPECT_EQ(records[1]["iteration"], 2);                  // numbers continue
}

TEST(FaultsTest, AfterKill9TheNextRunRecoversTheLostIterationAndLeavesNoProcess) {
  Harness h("interrupted_then_resumed");
  h.add_plan(1);
  int pid = h.start_ralph({"run", "--model", "claude-sonnet-5-5"}, "killed");
  ASSERT_TRUE(h.api().wait_for_requests(2, 60s));
  ::kill(pid, SIGKILL);
  h.finish(pid, "killed");
  json crashed = json::parse(h.read(".ralph/state.json"));
  EXPECT_EQ(crashed["status"], "running");
  EXPECT_GT(crashed["agent_pid"].get<int>(), 0);
  // Whether the orphaned agent is still alive now depends on how it takes the loss of its
  // stdout; stopping one for certain is covered by ProcessTest.StopsAnOrphanedGroup.

  CommandResult resumed = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("recovered iteration 1"), std::string::npos) << resumed.out;
  EXPECT_TRUE(h.leftover_processes().empty());
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);  // no record lost, none duplicated
  EXPECT_EQ(records[0]["iteration"], 1);
  EXPECT_EQ(records[0]["outcome"], "interrupted");
  EXPECT_EQ(records[0]["cost_source"], "estimated");
  // At least the first turn (50,000 in, 400 out at $2/$10 per million) was recovered.
  EXPECT_GE(records[0]["cost_usd"].get<double>(), 0.1 + 0.004 - 1e-9);
  EXPECT_EQ(records[1]["iteration"], 2);
  EXPECT_EQ(records[1]["run_id"], records[0]["run_id"]);
  EXPECT_EQ(h.read("one.txt"), "one\n");
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");  // the lost iteration's work committed
}

TEST(FaultsTest, ARejectedApiKeyStopsAtOnce) {
  Harness h("rejected_api_key");
  h.add_plan(1);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  EXPECT_EQ(run.exit_code, 6) << run.out << run.err;
  EXPECT_NE(run.last_line().find("ANTHROPIC_API_KEY"), std::string::npos) << run.out;
  // Stopped at the first refusal instead of waiting out ten retries with back-off.
  EXPECT_LE(h.api().requests_served(), 3);
  EXPECT_EQ(h.records().size(), 1u);
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(FaultsTest, RateLimitsThenSuccess) {
  Harness h("rate_limited_then_success");
  h.add_plan(1);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "success");
  EXPECT_EQ(records[0]["cost_source"], "agent");
  EXPECT_EQ(records[0]["cost_usd"], h.agent_result(records[0]["run_id"], 1)["total_cost_usd"]);
  EXPECT_EQ(h.api().requests_served(), 4);  // two 429s, then two turns
}

TEST(FaultsTest, AnAgentThatChangesNothingStalls) {
  Harness h("changes_nothing");
  h.add_plan(2);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--stall-after", "2"});
  EXPECT_EQ(run.exit_code, 5) << run.out << run.err;
  EXPECT_EQ(run.last_line().rfind("halt: stalled", 0), 0u) << run.out;
  EXPECT_EQ(h.records().size(), 2u);
  EXPECT_EQ(h.git({"log", "--oneline"}).out.find("ralph("), std::string::npos);
}

TEST(FaultsTest, ASecondRunIsRefusedWhileOneIsActive) {
  Harness h("interrupted_then_resumed");
  h.add_plan(1);
  int pid = h.start_ralph({"run", "--model", "claude-sonnet-5-5"}, "first");
  ASSERT_TRUE(h.api().wait_for_requests(2, 60s));
  std::string state = h.read(".ralph/state.json");
  std::string log = h.read(".ralph/iterations.jsonl");
  CommandResult second = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  std::string run_id = json::parse(state)["run_id"];
  EXPECT_NE(second.err.find(fmt::format("pid {}", pid)), std::string::npos) << second.err;
  EXPECT_NE(second.err.find(run_id), std::string::npos) << second.err;
  EXPECT_EQ(h.read(".ralph/state.json"), state);  // nothing changed
  EXPECT_EQ(h.read(".ralph/iterations.jsonl"), log);
  ::kill(pid, SIGTERM);
  EXPECT_EQ(h.finish(pid, "first").exit_code, 130);
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(FaultsTest, AFailingCommitHaltsWithTheWorkAndTheRecordKept) {
  Harness h("commit_blocked");
  h.add_plan(1);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.last_line().find("index.lock"), std::string::npos) << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0]["commit"].is_null());
  EXPECT_EQ(records[0]["items_completed"], json::array({"US-001"}));
  EXPECT_EQ(h.read("work.txt"), "work\n");  // the work stays in the tree
  EXPECT_EQ(json::parse(h.read(".ralph/state.json"))["halt_reason"], "error");
}

}  // namespace
}  // namespace ralph::integration
