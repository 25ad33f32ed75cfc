// The loop's hook decisions (README "Hooks"), with a fake hook runner: which event fires when, with
// which fields; what a rejecting pre_commit hook does; budget warnings once per threshold.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdio>

#include "runner_fixture.hpp"

namespace ralph::loop {
namespace {

using nlohmann::json;

class RunnerHooksTest : public RunnerTest {
 public:
  // Every event runs one hook named after it.
  void hook_every_event() {
    for (const auto& event : plan::hook_events()) options.hooks[event] = {"hooks/" + event};
  }
  std::vector<bool> passes_in_file() {
    plan::Problems problems;
    auto plan = plan::reload_plan(options.plan, problems);
    EXPECT_TRUE(plan);
    std::vector<bool> out;
    for (const auto& item : plan->items) out.push_back(item.passes);
    return out;
  }
};

TEST_F(RunnerHooksTest, EveryEventFiresAtItsMomentWithItsFields) {
  hook_every_event();
  options.budgets.run = 1.0;
  options.model = "sonnet";
  agent.scripts = {completing(0.25), completing(0.5)};
  // What the loop had done when each hook ran.
  struct Moment {
    std::string event;
    size_t launches, commits, records;
  };
  std::vector<Moment> moments;
  hooks.on_run = [&](const testing::FakeHookRunner::Call& call) {
    moments.push_back({call.payload["event"], agent.launches.size(), vcs.messages.size(),
                       std::filesystem::exists(options.log_path()) ? records().size() : 0});
  };
  ASSERT_EQ(run().reason, HaltReason::kComplete);

  EXPECT_EQ(hooks.events(), (std::vector<std::string>{
                                "pre_iteration", "pre_commit", "post_iteration", "pre_iteration",
                                "pre_commit", "on_budget_warning", "post_iteration", "on_halt"}));
  for (const auto& call : hooks.calls) {
    EXPECT_EQ(call.hook, "hooks/" + call.payload["event"].get<std::string>());
    EXPECT_EQ(call.payload["run_id"], "run-1");
    EXPECT_TRUE(call.payload["iteration"].is_number_integer()) << call.payload.dump();
  }
  // pre_iteration: before the agent starts.
  auto pre = hooks.payloads("pre_iteration");
  ASSERT_EQ(pre.size(), 2u);
  EXPECT_EQ(pre[0]["iteration"], 1);
  EXPECT_EQ(pre[0]["item"], (json{{"id", "US-1"}, {"title", "Item 1"}}));
  EXPECT_EQ(pre[0]["model"], "sonnet");
  EXPECT_EQ(pre[0]["spent_usd"], 0.0);
  EXPECT_EQ(pre[0]["budget_usd"], 1.0);
  EXPECT_EQ(pre[1]["item"]["id"], "US-2");
  EXPECT_EQ(pre[1]["spent_usd"], 0.25);
  EXPECT_EQ(moments[0].launches, 0u);
  EXPECT_EQ(moments[3].launches, 1u);
  // pre_commit: after the agent, before the commit, with the record so far.
  auto commit = hooks.payloads("pre_commit");
  ASSERT_EQ(commit.size(), 2u);
  EXPECT_EQ(commit[0]["iteration"], 1);
  EXPECT_TRUE(commit[0]["record"]["commit"].is_null());
  EXPECT_EQ(commit[0]["record"]["items_completed"], json::array({"US-1"}));
  EXPECT_EQ(commit[0]["record"]["outcome"], "success");
  EXPECT_EQ(commit[0]["record"]["cost_usd"], 0.25);
  EXPECT_EQ(commit[0]["changed_files"], json::array({"work.txt"}));
  EXPECT_EQ(moments[1].launches, 1u);
  EXPECT_EQ(moments[1].commits, 0u);
  // post_iteration: after the record is in the log, with the commit and the run's totals.
  auto post = hooks.payloads("post_iteration");
  ASSERT_EQ(post.size(), 2u);
  EXPECT_EQ(post[0]["record"]["commit"], "c1");
  EXPECT_EQ(post[0]["record"], meter::to_json(records()[0]));
  EXPECT_EQ(post[0]["totals"]["cost_usd"], 0.25);
  EXPECT_EQ(post[0]["totals"]["iterations"], 1);
  EXPECT_EQ(post[1]["totals"]["cost_usd"], 0.75);
  EXPECT_EQ(post[1]["totals"]["iterations"], 2);
  EXPECT_EQ(post[1]["totals"]["input_tokens"], 2000);
  EXPECT_EQ(post[1]["totals"]["output_tokens"], 200);
  EXPECT_TRUE(post[1]["totals"].contains("cache_creation_input_tokens"));
  EXPECT_TRUE(post[1]["totals"].contains("cache_read_input_tokens"));
  EXPECT_EQ(moments[2].records, 1u);
  EXPECT_EQ(moments[2].commits, 1u);
  // on_budget_warning: $0.75 of $1.00 passed 50%.
  auto warnings = hooks.payloads("on_budget_warning");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0]["cap"], "run");
  EXPECT_EQ(warnings[0]["threshold"], 0.5);
  EXPECT_EQ(warnings[0]["spent_usd"], 0.75);
  EXPECT_EQ(warnings[0]["budget_usd"], 1.0);
  EXPECT_EQ(warnings[0]["iteration"], 2);
  // on_halt: the halt and the run's totals.
  auto halt = hooks.payloads("on_halt");
  ASSERT_EQ(halt.size(), 1u);
  EXPECT_EQ(halt[0]["iteration"], 2);
  EXPECT_EQ(halt[0]["halt_reason"], "complete");
  EXPECT_EQ(halt[0]["exit_code"], 0);
  EXPECT_NE(halt[0]["halt_detail"].get<std::string>().find("all 2 items"), std::string::npos);
  EXPECT_EQ(halt[0]["totals"]["cost_usd"], 0.75);
  EXPECT_EQ(halt[0]["totals"]["iterations"], 2);
  EXPECT_EQ(halt[0]["items_total"], 2);
  EXPECT_EQ(halt[0]["items_passing"], 2);
  EXPECT_EQ(read_state(options.state_path())->halt_reason, "complete");
}

TEST_F(RunnerHooksTest, ARejectingPreCommitHookLeavesTheWorkUncommittedAndTheItemFailing) {
  capture_display();
  options.hooks["pre_commit"] = {"hooks/gate.sh", "hooks/second.sh"};
  options.hooks["post_iteration"] = {"hooks/post.sh"};
  options.halts.max_iterations = 1;
  hooks.results["hooks/gate.sh"] = {testing::failed_hook(1, "3 passed\n2 failed: test_login")};
  write_plan({false});
  agent.scripts = {completing(0.2)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kMaxIterations);

  auto log = records();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].outcome, "rejected");
  EXPECT_EQ(log[0].rejected_by, "hooks/gate.sh");
  EXPECT_EQ(log[0].rejected_items, std::vector<std::string>{"US-1"});
  EXPECT_TRUE(log[0].items_completed.empty());
  EXPECT_FALSE(log[0].commit);
  json line = meter::to_json(log[0]);
  EXPECT_EQ(line["rejected_by"], "hooks/gate.sh");
  // Nothing committed; the work is still in the work tree; the item fails again.
  EXPECT_TRUE(vcs.messages.empty());
  EXPECT_TRUE(vcs.dirty);
  EXPECT_EQ(passes_in_file(), std::vector<bool>{false});
  // The first rejection wins: the second gate never ran.
  for (const auto& call : hooks.calls) EXPECT_NE(call.hook, "hooks/second.sh");
  // post_iteration sees the rejected record.
  auto post = hooks.payloads("post_iteration");
  ASSERT_EQ(post.size(), 1u);
  EXPECT_EQ(post[0]["record"]["outcome"], "rejected");
  // The next iteration learns why.
  std::string progress = dir.read("plans/progress.txt");
  EXPECT_NE(progress.find("iteration 1 was rejected by the pre_commit hook hooks/gate.sh"),
            std::string::npos)
      << progress;
  EXPECT_NE(progress.find("still in the work tree"), std::string::npos);
  EXPECT_NE(progress.find("    2 failed: test_login"), std::string::npos);
  EXPECT_NE(progress.find("US-1"), std::string::npos);
  std::string text = shown();
  EXPECT_NE(text.find("ralph: iteration 1 rejected: pre_commit hook hooks/gate.sh exited with 1: "
                      "2 failed: test_login; its changes stay uncommitted in the work tree; "
                      "failing again: US-1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("iteration 1 rejected: $0.2000"), std::string::npos) << text;
}

TEST_F(RunnerHooksTest, TheIterationRecoveredAfterACrashPassesThePreCommitGateToo) {
  // What a ralph killed with -9 in the middle of iteration 1 leaves behind: a state file
  // that says running, a stream file, and the agent's work (US-1 marked passing).
  options.hooks["pre_commit"] = {"hooks/gate.sh"};
  hooks.results["hooks/gate.sh"] = {testing::failed_hook(1, "2 failed"), loop::HookResult{}};
  loop::RunState crashed;
  crashed.run_id = "run-1";
  crashed.status = "running";
  crashed.started_at = format_rfc3339(clock.wall_now());
  crashed.iteration = 1;
  crashed.current_item = "US-1";
  crashed.item_title = "Item 1";
  crashed.iteration_started_at = format_rfc3339(clock.wall_now());
  std::string lines = init_line() + "\n";
  for (auto& line : turn("lost-1", 100'000, 1000)) lines += line + "\n";
  dir.write(".ralph/runs/run-1/1.stream.jsonl", lines);
  ASSERT_TRUE(loop::write_state(options.state_path(), crashed));
  write_plan({true});
  vcs.touch();
  agent.scripts = {completing(0.2)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].iteration, 1);
  EXPECT_EQ(log[0].outcome, "rejected");  // recovered, then refused by the gate
  EXPECT_EQ(log[0].rejected_items, std::vector<std::string>{"US-1"});
  EXPECT_FALSE(log[0].commit);
  EXPECT_EQ(log[1].outcome, "success");  // the item ran again and the gate let it through
  EXPECT_EQ(log[1].commit, "c1");
  auto gates = hooks.payloads("pre_commit");
  ASSERT_EQ(gates.size(), 2u);
  EXPECT_EQ(gates[0]["record"]["cost_source"], "estimated");
}

TEST_F(RunnerHooksTest, AfterARejectionTheNextAcceptedIterationCommitsTheWork) {
  options.hooks["pre_commit"] = {"hooks/gate.sh"};
  hooks.results["hooks/gate.sh"] = {testing::failed_hook(1, "no"), loop::HookResult{}};
  write_plan({false});
  agent.scripts = {completing(0.2), completing(0.2)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].outcome, "rejected");
  EXPECT_EQ(log[1].outcome, "success");
  EXPECT_EQ(log[1].items_completed, std::vector<std::string>{"US-1"});
  EXPECT_EQ(log[1].commit, "c1");
  EXPECT_EQ(agent.launches.at(1).argv.at(2), "Do US-1: Item 1 (iteration 2)");  // retried
}

TEST_F(RunnerHooksTest, RejectedIterationsAreNoProgress) {
  options.hooks["pre_commit"] = {"hooks/gate.sh"};
  options.halts.stall_after = 2;
  hooks.results["hooks/gate.sh"] = {testing::failed_hook(1, "")};
  write_plan({false});
  agent.scripts = {completing(0.1), completing(0.1), completing(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kStalled);
  EXPECT_EQ(records().size(), 2u);
  EXPECT_TRUE(vcs.messages.empty());
}

TEST_F(RunnerHooksTest, NoPreCommitWithoutCommitsOrWithoutChanges) {
  options.hooks["pre_commit"] = {"hooks/gate.sh"};
  options.no_commit = true;
  agent.scripts = {completing(0.1), completing(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_TRUE(hooks.calls.empty());

  options.no_commit = false;
  vcs.dirty = false;
  options.halts.stall_after = 1;
  options.resume = RunOptions::Resume::kNew;
  write_plan({false});
  AgentScript idle;
  idle.lines = {init_line(), result_line(0.01)};  // changes nothing
  agent.scripts = {idle};
  EXPECT_EQ(run().reason, HaltReason::kStalled);
  EXPECT_TRUE(hooks.calls.empty());
}

TEST_F(RunnerHooksTest, AFailingHookIsReportedAndTheRunGoesOn) {
  capture_display();
  hook_every_event();
  for (const auto& event : {"pre_iteration", "post_iteration", "on_halt"}) {
    hooks.results[std::string("hooks/") + event] = {testing::failed_hook(3, "one\nboom")};
  }
  HookResult slow;
  slow.status = HookResult::Status::kTimedOut;
  slow.elapsed = std::chrono::seconds(300);
  hooks.results["hooks/on_budget_warning"] = {slow};
  options.budgets.run = 1.0;
  agent.scripts = {completing(0.3), completing(0.3)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(records().size(), 2u);
  std::string text = shown();
  EXPECT_NE(text.find("ralph: warning: hook hooks/post_iteration (post_iteration) exited with 3: "
                      "boom\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ralph: warning: hook hooks/on_budget_warning (on_budget_warning) timed "
                      "out after 5m00s"),
            std::string::npos)
      << text;
  // The halt line stays the last line, after the on_halt hook's warning.
  EXPECT_NE(text.find("hooks/on_halt (on_halt) exited with 3: boom\nhalt: complete"),
            std::string::npos)
      << text;
}

TEST_F(RunnerHooksTest, RunBudgetWarningsFireLiveWhileTheAgentWorksEachOnce) {
  options.hooks["on_budget_warning"] = {"hooks/warn"};
  options.budgets.run = 1.0;
  AgentScript endless;
  endless.lines = {init_line()};
  // Each turn: 200k input tokens at $2/M = $0.40 as soon as message_start arrives.
  endless.endless = [](int k) { return turn(fmt::format("e{}", k / 2), 200'000, 100)[k % 2]; };
  endless.per_read = std::chrono::milliseconds(300);  // a progress check after each read
  agent.scripts = {endless};
  std::vector<std::pair<size_t, int>> at;  // records written and agent stops, per warning
  hooks.on_run = [&](const testing::FakeHookRunner::Call&) {
    at.emplace_back(std::filesystem::exists(options.log_path()) ? records().size() : 0,
                    agent.stops);
  };
  EXPECT_EQ(run().reason, HaltReason::kBudget);
  auto warnings = hooks.payloads("on_budget_warning");
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0]["threshold"], 0.5);
  EXPECT_EQ(warnings[1]["threshold"], 0.8);
  EXPECT_EQ(warnings[2]["threshold"], 0.95);
  for (const auto& w : warnings) {
    EXPECT_EQ(w["cap"], "run");
    EXPECT_EQ(w["budget_usd"], 1.0);
    EXPECT_GE(w["spent_usd"].get<double>(), w["threshold"].get<double>());
  }
  // 50% and 80% while the agent still ran; 95% was passed by the turn that went over the cap,
  // between the last live check and the record: reported once, after it.
  EXPECT_EQ(at[0], std::make_pair(size_t{0}, 0));
  EXPECT_EQ(at[1], std::make_pair(size_t{0}, 0));
  EXPECT_EQ(at[2], std::make_pair(size_t{1}, 1));
}

TEST_F(RunnerHooksTest, IterationBudgetWarningsFireOncePerIteration) {
  options.hooks["on_budget_warning"] = {"hooks/warn"};
  options.budgets.iteration = 0.5;
  agent.scripts = {completing(0.3), completing(0.45)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  auto warnings = hooks.payloads("on_budget_warning");
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], (json{{"event", "on_budget_warning"},
                               {"run_id", "run-1"},
                               {"iteration", 1},
                               {"cap", "iteration"},
                               {"threshold", 0.5},
                               {"spent_usd", 0.3},
                               {"budget_usd", 0.5}}));
  EXPECT_EQ(warnings[1]["iteration"], 2);
  EXPECT_EQ(warnings[1]["threshold"], 0.5);
  EXPECT_EQ(warnings[2]["iteration"], 2);
  EXPECT_EQ(warnings[2]["threshold"], 0.8);
}

TEST_F(RunnerHooksTest, ARunBudgetWarningIsNotRepeatedAfterAResume) {
  options.hooks["on_budget_warning"] = {"hooks/warn"};
  options.hooks["on_halt"] = {"hooks/halt"};
  options.budgets.run = 1.0;
  options.halts.max_iterations = 2;
  write_plan({false, false, false, false});
  agent.scripts = {completing(0.3), completing(0.25)};
  ASSERT_EQ(run().reason, HaltReason::kMaxIterations);
  ASSERT_EQ(hooks.payloads("on_budget_warning").size(), 1u);  // 50% at $0.55

  options.resume = RunOptions::Resume::kResume;
  options.halts.max_iterations = 3;
  agent.scripts = {completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kMaxIterations);
  EXPECT_EQ(hooks.payloads("on_budget_warning").size(), 1u);  // $0.65: nothing new
  auto halts = hooks.payloads("on_halt");
  ASSERT_EQ(halts.size(), 2u);
  EXPECT_NEAR(halts[1]["totals"]["cost_usd"].get<double>(), 0.65, 1e-9);  // the whole run
  EXPECT_EQ(halts[1]["totals"]["iterations"], 3);
  EXPECT_EQ(halts[1]["iteration"], 3);
}

}  // namespace
}  // namespace ralph::loop
