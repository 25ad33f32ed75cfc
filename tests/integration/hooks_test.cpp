// Lifecycle hooks (README "Hooks") end to end: the built ralph, the real Claude Code CLI, the
// scripted API, and hook scripts that write down what they were given.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

void write_executable(const Harness& h, const std::string& relative, const std::string& body) {
  h.write(relative, body);
  ::chmod((h.repo() / relative).c_str(), 0755);
}

// A hook that appends one JSON line per call to `calls`: its RALPH_* variables, its working
// folder, and the event it read on stdin.
void write_recording_hook(const Harness& h, const fs::path& calls) {
  write_executable(
      h, "hooks/record.sh",
      fmt::format("#!/bin/sh\n"
                  "{{\n"
                  "  printf '{{\"env\":{{\"RALPH_EVENT\":\"%s\",\"RALPH_RUN_ID\":\"%s\","
                  "\"RALPH_ITERATION\":\"%s\"}},\"cwd\":\"%s\",\"payload\":' \\\n"
                  "    \"$RALPH_EVENT\" \"$RALPH_RUN_ID\" \"$RALPH_ITERATION\" \"$PWD\"\n"
                  "  tr -d '\\n'\n"
                  "  printf '}}\\n'\n"
                  "}} >> '{}'\n",
                  calls.string()));
}

std::vector<json> read_calls(const fs::path& calls) {
  std::vector<json> out;
  std::ifstream in(calls);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

TEST(HooksTest, EveryEventReachesItsHooksWithTheDocumentedFields) {
  Harness h("hooks_every_event");
  h.write_plan(2);
  const fs::path calls = h.repo().parent_path() / "hook-calls.jsonl";
  write_recording_hook(h, calls);
  json hooks = json::object();
  for (const char* event :
       {"pre_iteration", "on_budget_warning", "pre_commit", "post_iteration", "on_halt"}) {
    hooks[event] = json::array({"hooks/record.sh"});
  }
  h.write("plans/ralph.json", json{{"hooks", hooks}}.dump(2));
  h.commit_all("Add the plan and a recording hook");

  CommandResult run = h.ralph(
      {"run", "--model", "claude-sonnet-5-5", "--budget", "0.05", "--iteration-budget", "0.03"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  const std::string run_id = records[0]["run_id"];
  auto got = read_calls(calls);
  ASSERT_FALSE(got.empty());

  // Each call's variables match its event, and it ran in the repository root.
  std::vector<std::string> events;
  for (const auto& call : got) {
    SCOPED_TRACE(call.dump());
    const json& payload = call["payload"];
    events.push_back(payload["event"]);
    EXPECT_EQ(call["env"]["RALPH_EVENT"], payload["event"]);
    EXPECT_EQ(call["env"]["RALPH_RUN_ID"], run_id);
    EXPECT_EQ(payload["run_id"], run_id);
    EXPECT_EQ(call["env"]["RALPH_ITERATION"], std::to_string(payload["iteration"].get<int>()));
    EXPECT_EQ(fs::canonical(call["cwd"].get<std::string>()), fs::canonical(h.repo()));
  }
  auto index_of = [&](const std::string& event, int iteration) {
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i]["payload"]["event"] == event && got[i]["payload"]["iteration"] == iteration) {
        return static_cast<int>(i);
      }
    }
    ADD_FAILURE() << "no " << event << " for iteration " << iteration;
    return -1;
  };
  ASSERT_EQ(events.back(), "on_halt");
  ASSERT_EQ(std::count(events.begin(), events.end(), "on_halt"), 1);
  for (int n = 1; n <= 2; ++n) {
    SCOPED_TRACE(n);
    int pre = index_of("pre_iteration", n);
    int commit = index_of("pre_commit", n);
    int post = index_of("post_iteration", n);
    EXPECT_LT(pre, commit);
    EXPECT_LT(commit, post);
    const json& p = got[pre]["payload"];
    EXPECT_EQ(p["item"],
              (json{{"id", fmt::format("US-{:03}", n)}, {"title", fmt::format("Item {}", n)}}));
    EXPECT_EQ(p["model"], "claude-sonnet-5-5");
    EXPECT_EQ(p["spent_usd"], n == 1 ? json(0.0) : records[0]["cost_usd"]);
    EXPECT_EQ(p["budget_usd"], 0.05);
    const json& c = got[commit]["payload"];
    EXPECT_TRUE(c["record"]["commit"].is_null());
    EXPECT_EQ(c["record"]["items_completed"], json::array({fmt::format("US-{:03}", n)}));
    EXPECT_EQ(c["record"]["cost_usd"], records[n - 1]["cost_usd"]);
    json changed = n == 1 ? json::array({"one.txt", "plans/prd.json", "plans/progress.txt"})
                          : json::array({"plans/prd.json", "plans/progress.txt", "two.txt"});
    EXPECT_EQ(c["changed_files"], changed);
    const json& q = got[post]["payload"];
    EXPECT_EQ(q["record"], records[n - 1]);  // exactly the cost log's record, with its commit
    EXPECT_TRUE(q["record"]["commit"].is_string());
    EXPECT_EQ(q["totals"]["iterations"], n);
    double sum = 0;
    int64_t input = 0;
    for (int i = 0; i < n; ++i) {
      sum += records[i]["cost_usd"].get<double>();
      input += records[i]["input_tokens"].get<int64_t>();
    }
    EXPECT_NEAR(q["totals"]["cost_usd"].get<double>(), sum, 1e-12);
    EXPECT_EQ(q["totals"]["input_tokens"], input);
    for (const char* field :
         {"output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}) {
      EXPECT_TRUE(q["totals"][field].is_number_integer()) << field;
    }
  }

  // $0.022 per iteration: the $0.03 iteration cap passes 50% in each iteration, the $0.05 run
  // cap 50% and 80% in the second; each threshold is reported once, during its iteration.
  std::set<std::tuple<std::string, double, int>> warnings;
  for (size_t i = 0; i < got.size(); ++i) {
    const json& w = got[i]["payload"];
    if (w["event"] != "on_budget_warning") continue;
    SCOPED_TRACE(w.dump());
    int n = w["iteration"];
    EXPECT_TRUE(warnings.emplace(w["cap"], w["threshold"], n).second) << "reported twice";
    EXPECT_GT(static_cast<int>(i), index_of("pre_iteration", n));
    EXPECT_LT(static_cast<int>(i), index_of("post_iteration", n));
    EXPECT_EQ(w["budget_usd"], w["cap"] == "run" ? 0.05 : 0.03);
    EXPECT_GE(w["spent_usd"].get<double>(),
              w["threshold"].get<double>() * w["budget_usd"].get<double>());
  }
  EXPECT_EQ(warnings,
            (std::set<std::tuple<std::string, double, int>>{
                {"iteration", 0.5, 1}, {"iteration", 0.5, 2}, {"run", 0.5, 2}, {"run", 0.8, 2}}));
  EXPECT_NE(run.out.find("ralph: warning: 80% of the run's $0.05 budget spent"), std::string::npos)
      << run.out;

  const json& halt = got.back()["payload"];
  EXPECT_EQ(halt["halt_reason"], "complete");
  EXPECT_EQ(halt["exit_code"], 0);
  EXPECT_EQ(halt["iteration"], 2);
  EXPECT_NE(halt["halt_detail"].get<std::string>().find("all 2 items"), std::string::npos);
  EXPECT_EQ(halt["items_total"], 2);
  EXPECT_EQ(halt["items_passing"], 2);
  EXPECT_EQ(halt["totals"]["iterations"], 2);
  EXPECT_NEAR(halt["totals"]["cost_usd"].get<double>(),
              records[0]["cost_usd"].get<double>() + records[1]["cost_usd"].get<double>(), 1e-12);
  // Each run of a hook is logged under a header line.
  std::string log = h.read(".ralph/runs/" + run_id + "/hooks.log");
  size_t headers = 0;
  for (size_t at = 0; (at = log.find("==> ", at)) != std::string::npos; ++at) ++headers;
  EXPECT_EQ(headers, got.size());
  EXPECT_EQ(run.last_line(), "halt: complete - all 2 items in plans/prd.json pass");
}

TEST(HooksTest, ARejectingPreCommitHookLeavesTheWorkUncommittedUntilAnIterationPasses) {
  Harness h("hooks_rejected_then_fixed");
  h.write_plan(1);
  write_executable(h, "hooks/gate.sh",
                   "#!/bin/sh\n"
                   "echo checking\n"
                   "test -f two.txt || { echo 'gate: two.txt is missing' >&2; exit 1; }\n");
  h.write("plans/ralph.json", R"({"hooks": {"pre_commit": ["hooks/gate.sh"]}})");
  h.commit_all("Add the plan and a gate");
  const std::string head = h.git({"rev-parse", "HEAD"}).out;

  CommandResult first = h.ralph({"run", "--model", "claude-sonnet-5-5", "--max-iterations", "1"});
  EXPECT_EQ(first.exit_code, 4) << first.out << first.err;
  EXPECT_NE(first.out.find("ralph: iteration 1 rejected: pre_commit hook hooks/gate.sh exited "
                           "with 1: gate: two.txt is missing; its changes stay uncommitted in "
                           "the work tree; failing again: US-001"),
            std::string::npos)
      << first.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "rejected");
  EXPECT_EQ(records[0]["rejected_by"], "hooks/gate.sh");
  EXPECT_EQ(records[0]["rejected_items"], json::array({"US-001"}));
  EXPECT_EQ(records[0]["items_completed"], json::array());
  EXPECT_TRUE(records[0]["commit"].is_null());
  // Nothing committed; the agent's work is in the work tree; US-001 fails again in prd.json
  // (back to the committed text exactly).
  EXPECT_EQ(h.git({"rev-parse", "HEAD"}).out, head);
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, " M plans/progress.txt\n?? one.txt\n");
  EXPECT_EQ(h.read("one.txt"), "one\n");
  std::string progress = h.read("plans/progress.txt");
  EXPECT_NE(progress.find("iteration 1 was rejected by the pre_commit hook hooks/gate.sh"),
            std::string::npos)
      << progress;
  EXPECT_NE(progress.find("    gate: two.txt is missing"), std::string::npos) << progress;

  // The next iteration fixes it; the gate passes; everything is committed together.
  CommandResult second =
      h.ralph({"run", "--resume", "--model", "claude-sonnet-5-5", "--max-iterations", "2"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["run_id"], records[0]["run_id"]);
  EXPECT_EQ(records[1]["outcome"], "success");
  EXPECT_EQ(records[1]["items_completed"], json::array({"US-001"}));
  ASSERT_TRUE(records[1]["commit"].is_string());
  EXPECT_EQ(h.git({"show", "--format=", "--name-only", "HEAD"}).out,
            "one.txt\nplans/prd.json\nplans/progress.txt\ntwo.txt\n");
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");
}

TEST(HooksTest, AHookThatTimesOutIsStoppedAndTheRunGoesOn) {
  Harness h("hooks_timeout");
  h.write_plan(1);
  const fs::path started = h.repo().parent_path() / "hang-started";
  write_executable(h, "hooks/hang.sh",
                   fmt::format("#!/bin/sh\necho started > '{}'\nsleep 600\n", started.string()));
  h.write("plans/ralph.json",
          R"({"hook_timeout": 1, "hooks": {"post_iteration": ["hooks/hang.sh"]}})");
  h.commit_all("Add the plan and a hanging hook");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(fs::exists(started));
  EXPECT_NE(run.out.find("ralph: warning: hook hooks/hang.sh (post_iteration) timed out after"),
            std::string::npos)
      << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "success");
  EXPECT_TRUE(records[0]["commit"].is_string());
  EXPECT_EQ(run.last_line().rfind("halt: complete", 0), 0u);
  EXPECT_TRUE(h.leftover_processes().empty());  // `sleep 600` went down with the hook's group
}

TEST(HooksTest, AMissingOrMisspeltHookIsBadInputAndNothingRuns) {
  Harness h("untouched");
  h.write_plan(1);
  h.write("plans/ralph.json", "{\n  \"hooks\": {\"on_halt\": [\"hooks/nope.sh\"]}\n}\n");
  h.commit_all("Add the plan");
  CommandResult run = h.ralph({"run"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_EQ(run.err,
            "ralph: error: plans/ralph.json:2:25: hooks.on_halt[0]: hooks/nope.sh does not exist "
            "(hook paths are relative to the repository root)\n");
  EXPECT_EQ(h.api().requests_served(), 0);
  EXPECT_FALSE(fs::exists(h.repo() / ".ralph"));
  EXPECT_EQ(h.ralph({"validate"}).err, run.err);

  h.write("plans/ralph.json", "{\n  \"hooks\": {\"on_hlat\": [\"hooks/nope.sh\"]}\n}\n");
  CommandResult validate = h.ralph({"validate"});
  EXPECT_EQ(validate.exit_code, 2);
  EXPECT_EQ(validate.err,
            "ralph: error: plans/ralph.json:2:13: hooks.on_hlat: unknown hook event; did you mean "
            "\"on_halt\"?\n");
}

TEST(HooksTest, WhatAHookLeavesRunningIsStoppedAndNamed) {
  Harness h("complete_one_item");
  h.add_plan(1);
  // A notifier that starts a daemon of its own and exits, as a careless hook might.
  write_executable(h, "hooks/daemon.sh",
                   "#!/bin/sh\n"
                   "setsid sh -c 'echo $$ > \"$HOME/hook-daemon.pid\"; exec sleep 600' "
                   "</dev/null >/dev/null 2>&1 &\n"
                   "until [ -s \"$HOME/hook-daemon.pid\" ]; do sleep 0.05; done\n");
  h.write("plans/ralph.json", R"({"hooks": {"post_iteration": ["hooks/daemon.sh"]}})");
  h.commit_all("A hook that leaves a daemon");
  CommandResult run = h.ralph({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ASSERT_FALSE(h.read("../home/hook-daemon.pid").empty());
  const int daemon = std::stoi(h.read("../home/hook-daemon.pid"));
  EXPECT_NE(run.out.find(fmt::format("ralph: warning: stopped 1 process hook hooks/daemon.sh "
                                     "(post_iteration) left running: sleep (pid {})",
                                     daemon)),
            std::string::npos)
      << run.out;
  EXPECT_TRUE(h.leftover_processes().empty());
}

}  // namespace
}  // namespace ralph::integration
