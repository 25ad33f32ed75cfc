// `ralph status`: what it reads from state.json, the plan and the log, and how it reads it.
#include <gtest/gtest.h>

#include <fstream>

#include "loop/lock.hpp"
#include "loop/state.hpp"
#include "meter/cost_log.hpp"
#include "report/run_status.hpp"
#include "temp_dir.hpp"

namespace ralph {
namespace {

class RunStatusTest : public ::testing::Test {
 protected:
  RunStatusTest() {
    std::filesystem::create_directories(dir_.path() / "plans");
    std::filesystem::create_directories(dir_.path() / ".ralph");
    folder_.dir = dir_.path() / "plans";
    folder_.display_dir = "plans";
    std::ofstream(folder_.prd_path()) << R"({"userStories": [
      {"id": "US-1", "title": "One", "priority": 1, "passes": true},
      {"id": "US-2", "title": "Two", "priority": 2, "passes": false}]})";
  }
  void record(const std::string& run, int iteration, double cost,
              std::vector<std::string> completed = {}) {
    meter::IterationRecord r;
    r.run_id = run;
    r.iteration = iteration;
    r.item_id = "US-" + std::to_string(iteration);
    r.usage = {10, 20, 30, 40};
    r.cost_usd = cost;
    r.outcome = "success";
    r.items_completed = std::move(completed);
    ASSERT_TRUE(log().append(r));
  }
  meter::CostLog log() const { return meter::CostLog(dir_.path() / ".ralph" / "iterations.jsonl"); }
  void state(const std::string& status, const std::string& halt) {
    loop::RunState s;
    s.run_id = "run-2";
    s.status = status;
    s.halt_reason = halt;
    s.iteration = 2;
    s.current_item = "US-2";
    s.budget_usd = 2.0;
    s.pid = 4242;
    ASSERT_TRUE(loop::write_state(dir_.path() / ".ralph" / "state.json", s));
  }

  testing::TempDir dir_;
  plan::PlanFolder folder_;
};

TEST_F(RunStatusTest, HaltedRunWithSpendAgainstBudgetAndProjection) {
  record("run-1", 1, 5.0);  // an earlier run: not this run's spend
  record("run-2", 1, 0.5, {"US-1"});
  state("halted", "max_iterations");
  report::StatusSource source(dir_.path() / ".ralph", folder_);
  auto status = source.refresh();
  ASSERT_TRUE(status);
  auto json = to_json(*status);
  EXPECT_EQ(json["plan"]["items_passing"], 1);
  EXPECT_EQ(json["plan"]["next_item"]["id"], "US-2");
  EXPECT_EQ(json["run"]["state"], "halted");
  EXPECT_EQ(json["run"]["halt_reason"], "max_iterations");
  EXPECT_EQ(json["run"]["exit_code"], 4);
  EXPECT_EQ(json["run"]["iterations_recorded"], 1);
  EXPECT_DOUBLE_EQ(json["spend"]["cost_usd"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(json["spend"]["fraction_of_budget"].get<double>(), 0.25);
  EXPECT_EQ(json["spend"]["cache_read_input_tokens"], 40);
  // US-1 cost 5.0 + 0.5 over both runs; one item left.
  EXPECT_DOUBLE_EQ(json["projection"]["expected_usd"].get<double>(), 5.5);
  std::string text = report::status_text(*status);
  EXPECT_NE(text.find("1 of 2 items pass; next: US-2 Two"), std::string::npos) << text;
  EXPECT_NE(text.find("halted: max_iterations (exit 4)"), std::string::npos) << text;
  EXPECT_NE(text.find("$0.5000 of $2.00 [#####---------------] 25.0%"), std::string::npos) << text;
}

TEST_F(RunStatusTest, RunningWithoutALockHolderIsStaleAndRefreshReadsOnlyNewLines) {
  state("running", "");
  record("run-2", 1, 0.25);
  report::StatusSource source(dir_.path() / ".ralph", folder_);
  auto first = source.refresh();
  ASSERT_TRUE(first);
  EXPECT_EQ(report::run_condition(*first), "stale");
  EXPECT_NE(report::status_text(*first).find("`ralph run` resumes it"), std::string::npos);
  {
    auto lock = loop::RunLock::acquire(dir_.path() / ".ralph" / "lock", "run-2");
    ASSERT_TRUE(lock);
    EXPECT_TRUE(loop::lock_is_held(dir_.path() / ".ralph" / "lock"));
    record("run-2", 2, 0.5);
    auto second = source.refresh();
    ASSERT_TRUE(second);
    EXPECT_EQ(report::run_condition(*second), "running");
    EXPECT_EQ(second->sums.totals.iterations, 2);
    EXPECT_DOUBLE_EQ(second->sums.totals.cost_usd, 0.75);
  }
  EXPECT_FALSE(loop::lock_is_held(dir_.path() / ".ralph" / "lock"));
  // A refresh with nothing new counts nothing twice.
  auto third = source.refresh();
  EXPECT_EQ(third->sums.totals.iterations, 2);
}

TEST_F(RunStatusTest, MetersTheRunningIterationFromItsStreamFileAsItGrows) {
  loop::RunState s;
  s.run_id = "run-2";
  s.status = "running";
  s.iteration = 3;
  s.current_item = "US-2";
  s.iteration_started_at = "2026-11-24T08:00:00.000Z";
  s.budget_usd = 1.0;
  ASSERT_TRUE(loop::write_state(dir_.path() / ".ralph" / "state.json", s));
  record("run-2", 2, 0.5);
  auto stream = dir_.path() / ".ralph" / "runs" / "run-2" / "3.stream.jsonl";
  std::filesystem::create_directories(stream.parent_path());
  // One API turn of claude-sonnet-5-5: 1M input tokens at $2/MTok, 100k output at $10/MTok.
  std::ofstream(stream) << R"({"type":"stream_event","event":{"type":"message_start",)"
                        << R"("message":{"id":"m1","model":"claude-sonnet-5-5","usage":)"
                        << R"({"input_tokens":1000000,"output_tokens":1}}}})"
                        << "\n";
  auto lock = loop::RunLock::acquire(dir_.path() / ".ralph" / "lock", "run-2");
  ASSERT_TRUE(lock);
  report::StatusSource source(dir_.path() / ".ralph", folder_);
  auto first = source.refresh();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->in_flight);
  EXPECT_EQ(first->in_flight->iteration, 3);
  EXPECT_DOUBLE_EQ(first->in_flight->cost_usd, 2.0 + 0.00001);
  std::ofstream(stream, std::ios::app)
      << R"({"type":"stream_event","event":{"type":"message_delta","delta":{},)"
      << R"("usage":{"output_tokens":100000}}})"
      << "\n"
      << R"({"type":"stream_event","event":{"type":"mess)";  // still being written
  auto second = source.refresh();
  ASSERT_TRUE(second->in_flight);
  EXPECT_DOUBLE_EQ(second->in_flight->cost_usd, 3.0);
  EXPECT_EQ(second->in_flight->turns, 1);
  auto json = to_json(*second);
  EXPECT_DOUBLE_EQ(json["spend"]["in_flight"]["cost_usd"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(json["spend"]["cost_usd"].get<double>(), 0.5);  // recorded only
  std::string text = report::status_text(*second);
  EXPECT_NE(text.find("$3.5000 of $1.00 [####################] 350.0%, $3.0000 of it in "
                      "iteration 3 (running, 1 turn)"),
            std::string::npos)
      << text;
}

TEST_F(RunStatusTest, ARunOfItemsSideBySideShowsEachWorktreeNotMergedYet) {
  loop::RunState s;
  s.run_id = "run-2";
  s.status = "running";
  s.pid = 4242;
  s.branch = "main";
  s.parallel = 3;
  s.worktrees = {
      {"US-1", "merged", ".ralph/worktrees/US-1", "ralph/run-2/US-1", "abc", 1, 0, {}, 0, ""},
      {"US-2",
       "running",
       ".ralph/worktrees/US-2",
       "ralph/run-2/US-2-2",
       "def",
       2,
       77,
       {"a.txt", "b.txt"},
       1,
       ""},
      {"US-3",
       "blocked",
       ".ralph/worktrees/US-3",
       "ralph/run-2/US-3",
       "abc",
       1,
       0,
       {},
       0,
       "2 iterations without passing"}};
  ASSERT_TRUE(loop::write_state(dir_.path() / ".ralph" / "state.json", s));
  auto lock = loop::RunLock::acquire(dir_.path() / ".ralph" / "lock", "run-2");
  ASSERT_TRUE(lock);
  auto back = loop::read_state(dir_.path() / ".ralph" / "state.json");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->parallel, 3);
  ASSERT_EQ(back->worktrees.size(), 3u);
  EXPECT_EQ(back->worktrees[1].branch, "ralph/run-2/US-2-2");
  EXPECT_EQ(back->worktrees[1].conflicts, (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(back->worktrees[1].attempt, 2);
  EXPECT_EQ(back->worktrees[1].conflicted, 1);
  EXPECT_EQ(back->worktrees[2].detail, "2 iterations without passing");

  report::StatusSource source(dir_.path() / ".ralph", folder_);
  auto status = source.refresh();
  ASSERT_TRUE(status);
  std::string text = report::status_text(*status);
  EXPECT_NE(text.find("run-2 running (pid 4242): 1 item side by side (at most 3)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("worktree   US-2 running (pid 77) (its merge conflicted in a.txt, b.txt) on "
                      "ralph/run-2/US-2-2 in .ralph/worktrees/US-2, try 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("worktree   US-3 blocked: 2 iterations without passing on ralph/run-2/US-3 "
                      "in .ralph/worktrees/US-3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("merged     1 item merged into main"), std::string::npos) << text;
  EXPECT_EQ(text.find("worktree   US-1"), std::string::npos) << text;
  auto json = to_json(*status);
  EXPECT_EQ(json["run"]["parallel"], 3);
  ASSERT_EQ(json["run"]["worktrees"].size(), 3u);
  EXPECT_EQ(json["run"]["worktrees"][1]["pid"], 77);
  EXPECT_TRUE(json["run"]["worktrees"][0]["pid"].is_null());
}

TEST_F(RunStatusTest, ARunningIterationOnTheLadderSaysItsRungAndWhy) {
  loop::RunState s;
  s.run_id = "run-2";
  s.status = "running";
  s.iteration = 3;
  s.current_item = "US-2";
  s.tier = 1;
  s.escalated_from = "claude-haiku-5-5";
  s.model_reason = "escalated from claude-haiku-5-5 after 2 iterations without progress";
  s.complexity = "middle";
  s.prompt_digest = "0123456789abcdef";
  ASSERT_TRUE(loop::write_state(dir_.path() / ".ralph" / "state.json", s));
  auto lock = loop::RunLock::acquire(dir_.path() / ".ralph" / "lock", "run-2");
  ASSERT_TRUE(lock);
  report::StatusSource source(dir_.path() / ".ralph", folder_);
  auto status = source.refresh();
  ASSERT_TRUE(status);
  auto json = to_json(*status);
  EXPECT_EQ(json["run"]["current_tier"], 1);
  EXPECT_EQ(json["run"]["current_model_reason"], s.model_reason);
  std::string text = report::status_text(*status);
  EXPECT_NE(text.find("iteration 3 on US-2 on tier 1 (escalated from claude-haiku-5-5 after 2 "
                      "iterations without progress)"),
            std::string::npos)
      << text;
  // Read back as written, and none when there is no ladder.
  auto back = loop::read_state(dir_.path() / ".ralph" / "state.json");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->tier, 1);
  EXPECT_EQ(back->escalated_from, "claude-haiku-5-5");
  EXPECT_EQ(back->complexity, "middle");
  EXPECT_EQ(back->prompt_digest, "0123456789abcdef");
  EXPECT_EQ(back->claude_md_digest, "");
  EXPECT_EQ(loop::RunState{}.tier, -1);
}

TEST_F(RunStatusTest, AWatchThatSeesANewRunStartGivesItTheForecastAFreshReadGives) {
  auto timed = [this](const std::string& run, int iteration, const std::string& start,
                      const std::string& end, double cost) {
    meter::IterationRecord r;
    r.run_id = run;
    r.iteration = iteration;
    r.item_id = "US-2";
    r.started_at = "2026-11-23T" + start + ".000Z";
    r.ended_at = "2026-11-23T" + end + ".000Z";
    r.cost_usd = cost;
    r.outcome = "success";
    ASSERT_TRUE(log().append(r));
  };
  auto state_of = [this](const std::string& run, const std::string& started) {
    loop::RunState s;
    s.run_id = run;
    s.status = "halted";
    s.halt_reason = "max_iterations";
    s.started_at = "2026-11-23T" + started + ".000Z";
    ASSERT_TRUE(loop::write_state(dir_.path() / ".ralph" / "state.json", s));
  };
  timed("run-1", 1, "09:00:00", "09:30:00", 1.0);
  timed("run-1", 2, "09:30:00", "10:00:00", 1.0);
  state_of("run-1", "09:00:00");
  report::StatusSource watch(dir_.path() / ".ralph", folder_);
  auto first = watch.refresh();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->forecast);
  EXPECT_DOUBLE_EQ(*first->forecast->burn_usd_per_hour, 2.0);  // $2 over the hour

  // run-2's first record lands before the state that names it (a resumed run's can): the watch
  // reads it while the state still names run-1.
  timed("run-2", 1, "11:00:00", "11:15:00", 3.0);
  ASSERT_TRUE(watch.refresh());
  state_of("run-2", "11:00:00");
  timed("run-2", 2, "11:15:00", "11:30:00", 3.0);
  auto second = watch.refresh();
  auto fresh = report::StatusSource(dir_.path() / ".ralph", folder_).refresh();
  ASSERT_TRUE(second && fresh);
  ASSERT_TRUE(second->forecast && fresh->forecast);
  EXPECT_EQ(second->run->run_id, "run-2");
  EXPECT_EQ(second->sums.totals.iterations, 2);
  EXPECT_DOUBLE_EQ(*second->forecast->burn_usd_per_hour, 12.0);  // $6 over half an hour
  EXPECT_EQ(to_json(*second->forecast), to_json(*fresh->forecast));
  EXPECT_EQ(to_json(*second->projection), to_json(*fresh->projection));
}

TEST(ProgressBarTest, FillsItsShareAndClamps) {
  EXPECT_EQ(report::progress_bar(0.5, 10), "[#####-----]");
  EXPECT_EQ(report::progress_bar(3.0, 4), "[####]");
  EXPECT_EQ(report::progress_bar(-1, 4), "[----]");
  EXPECT_EQ(report::progress_bar(std::nan(""), 4), "[----]");
}

}  // namespace
}  // namespace ralph
