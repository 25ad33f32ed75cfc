// Running unattended, as in a Kubernetes Job or a CI runner, against the real Claude Code CLI:
// `--events jsonl` read back by a log collector, and SIGTERM as Kubernetes sends it.
#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include <fmt/format.h>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Every line of stdout, each of which must be one JSON object with an event and a time.
std::vector<json> events_of(const std::string& out) {
  std::vector<json> events;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    json event = json::parse(line, nullptr, false);
    EXPECT_TRUE(event.is_object()) << "not a JSON object: " << line;
    if (!event.is_object()) continue;
    EXPECT_TRUE(event["event"].is_string()) << line;
    EXPECT_TRUE(event["time"].is_string()) << line;
    events.push_back(std::move(event));
  }
  return events;
}

std::vector<json> named(const std::vector<json>& events, const std::string& name) {
  std::vector<json> found;
  for (const auto& event : events) {
    if (event["event"] == name) found.push_back(event);
  }
  return found;
}

TEST(UnattendedTest, JsonlEventsGiveEachIterationItsRecordAndEndWithTheHalt) {
  Harness h("complete_three_items");
  h.add_plan(3);
  CommandResult run = h.ralph({"run", "--events", "jsonl", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  std::vector<json> events = events_of(run.out);
  ASSERT_GE(events.size(), 8u) << run.out;
  EXPECT_EQ(events.front()["event"], "run_started");
  EXPECT_EQ(events.front()["resumed"], false);
  const json& halt = events.back();
  EXPECT_EQ(halt["event"], "halt");
  EXPECT_EQ(halt["reason"], "complete");
  EXPECT_EQ(halt["exit_code"], run.exit_code);

  auto records = h.records();
  ASSERT_EQ(records.size(), 3u);
  auto started = named(events, "iteration_started");
  auto ended = named(events, "iteration_ended");
  ASSERT_EQ(started.size(), 3u);
  ASSERT_EQ(ended.size(), 3u);
  double run_cost = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(started[i]["iteration"], i + 1);
    EXPECT_EQ(started[i]["item"], fmt::format("US-00{}", i + 1));
    EXPECT_EQ(started[i]["model"], "claude-sonnet-5-5");
    EXPECT_EQ(ended[i]["record"], records[i]) << "iteration " << i + 1;
    EXPECT_EQ(ended[i]["iteration"], records[i]["iteration"]);
    EXPECT_EQ(ended[i]["outcome"], records[i]["outcome"]);
    EXPECT_EQ(ended[i]["cost_usd"], records[i]["cost_usd"]);
    run_cost += records[i]["cost_usd"].get<double>();
    EXPECT_NEAR(ended[i]["run_cost_usd"].get<double>(), run_cost, 1e-9);
    EXPECT_TRUE(ended[i]["budget_usd"].is_null());
  }
  for (const auto& event : events) EXPECT_EQ(event["run_id"], records[0]["run_id"]) << event;
}

TEST(UnattendedTest, SigtermAsKubernetesSendsItEndsTheRunWithinTheGracePeriod) {
  Harness h("sigterm_ignored");
  h.add_plan(1);
  const std::string wrapper = h.write_wrapper().string();
  int pid = h.start_ralph({"run", "--events", "jsonl", "--agent", wrapper}, "job");
  // The daemon runs, and the tool command hangs ignoring SIGTERM, as does the daemon.
  ASSERT_TRUE(h.wait_for_file(h.home() / "pids" / "setsid", 60s));
  ASSERT_TRUE(h.wait_for_output("job", "\"iteration_started\"", 10s));
  ::kill(pid, SIGTERM);
  // Kubernetes' default terminationGracePeriodSeconds; then it SIGKILLs (exit code 137).
  CommandResult job = h.finish_or_kill(pid, "job", 30s);
  EXPECT_EQ(job.exit_code, 130) << job.out << job.err;
  auto left = h.leftover_processes();
  EXPECT_TRUE(left.empty()) << left.size() << " processes outlived ralph, e.g. pid "
                            << (left.empty() ? 0 : left[0]);

  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "interrupted");
  EXPECT_GT(records[0]["cost_usd"].get<double>(), 0.0);
  std::vector<json> events = events_of(job.out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["event"], "halt");
  EXPECT_EQ(events.back()["reason"], "interrupted");
  EXPECT_EQ(events.back()["exit_code"], 130);
  auto ended = named(events, "iteration_ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0]["record"], records[0]);
  // What was left running is named in a warning.
  bool strays_named = false;
  for (const auto& warning : named(events, "warning")) {
    strays_named = strays_named ||
                   warning["message"].get<std::string>().find("left running") != std::string::npos;
  }
  EXPECT_TRUE(strays_named) << job.out;

  // The Job's next attempt (or a person) resumes the same run.
  CommandResult resumed = h.ralph({"run", "--events", "jsonl", "--agent", wrapper});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  events = events_of(resumed.out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front()["event"], "run_started");
  EXPECT_EQ(events.front()["resumed"], true);
  EXPECT_EQ(events.front()["run_id"], records[0]["run_id"]);
  EXPECT_EQ(h.records().size(), 2u);
  EXPECT_EQ(h.read("one.txt"), "one\n");
}

TEST(UnattendedTest, TheJobsCommandPassesSigtermOnPushesTheBranchAndExitsWithRalphsCode) {
  Harness h("sigterm_ignored");
  h.add_plan(1);
  const std::filesystem::path origin = h.home() / "origin.git";
  ASSERT_EQ(h.git({"init", "-q", "--bare", origin.string()}).exit_code, 0);
  ASSERT_EQ(h.git({"remote", "add", "origin", origin.string()}).exit_code, 0);
  const std::string branch = h.git({"rev-parse", "--abbrev-ref", "HEAD"}).out;
  // deploy/ralph-job.sh finds ralph on PATH, as in the image.
  h.set_env("PATH", std::filesystem::path(RALPH_BINARY).parent_path().string() + ":" +
                        claude_path().parent_path().string() + ":" + std::getenv("PATH"));
  const std::string job_sh = std::string(RALPH_SOURCE_DIR) + "/deploy/ralph-job.sh";
  int pid = h.start({job_sh, "--agent", h.write_wrapper().string()}, "job");
  ASSERT_TRUE(h.wait_for_file(h.home() / "pids" / "setsid", 60s));
  ASSERT_TRUE(h.wait_for_output("job", "\"iteration_started\"", 10s));
  ::kill(pid, SIGTERM);  // to the container's command, not to ralph
  CommandResult job = h.finish_or_kill(pid, "job", 30s);
  EXPECT_EQ(job.exit_code, 130) << job.out << job.err;
  auto left = h.leftover_processes();
  EXPECT_TRUE(left.empty()) << left.size() << " processes outlived the job, e.g. pid "
                            << (left.empty() ? 0 : left[0]);
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "interrupted");
  std::vector<json> events = events_of(job.out);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["event"], "halt");
  EXPECT_EQ(events.back()["exit_code"], 130);
  // The interrupted iteration's commit reached the remote, so the next attempt resumes on it.
  ASSERT_TRUE(records[0]["commit"].is_string()) << records[0].dump();
  std::string pushed =
      h.git({"--git-dir", origin.string(), "rev-parse", branch.substr(0, branch.size() - 1)}).out;
  EXPECT_EQ(pushed, records[0]["commit"].get<std::string>() + "\n");
}

}  // namespace
}  // namespace ralph::integration
