// The loop and the history of the run's branch, with fake git: every commit is pinned under
// refs/ralph/, a rewrite of the branch is flagged (or halts the run), and a HEAD the agent
// moved is put back on the run's branch.
#include <gtest/gtest.h>

#include "runner_fixture.hpp"

namespace ralph::loop {
namespace {

TEST_F(RunnerTest, EveryCommitIsPinnedUnderRefsRalph) {
  agent.scripts = {completing(0.1), completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(vcs.pins.at("refs/ralph/run-1/1"), "c1");
  EXPECT_EQ(vcs.pins.at("refs/ralph/run-1/2"), "c2");
  for (const auto& record : records()) EXPECT_FALSE(record.history_rewritten);
  EXPECT_EQ(read_state(options.state_path())->branch, "main");
}

TEST_F(RunnerTest, ARewrittenBranchIsFlaggedSaidAndTheRunGoesOn) {
  capture_display();
  write_plan({false, false, false});
  agent.scripts = {completing(0.1), completing(0.1), completing(0.1)};
  // In iteration 3 the agent resets the branch: ralph's commit of iteration 2 is off it.
  auto reset = agent.scripts[2].on_launch;
  agent.scripts[2].on_launch = [this, reset] {
    reset();
    vcs.lost.insert("c2");
  };
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  auto log = records();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_FALSE(log[1].history_rewritten);
  EXPECT_TRUE(log[2].history_rewritten);
  EXPECT_EQ(log[2].commit, "c3");  // its work is committed all the same
  EXPECT_NE(shown().find("the agent rewrote the history of main: ralph's commit c2 of "
                         "iteration 2 is no longer on it; it is kept as refs/ralph/run-1/2"),
            std::string::npos)
      << shown();
}

TEST_F(RunnerTest, OnHistoryRewriteHaltStopsTheRunWithItsWorkCommitted) {
  options.halt_on_history_rewrite = true;
  write_plan({false, false, false});
  agent.scripts = {completing(0.1), completing(0.1), completing(0.1)};
  auto reset = agent.scripts[1].on_launch;
  agent.scripts[1].on_launch = [this, reset] {
    reset();
    vcs.lost.insert("c1");
  };
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kError);
  EXPECT_NE(halt.detail.find("rewrote the history of main"), std::string::npos) << halt.detail;
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(log[1].history_rewritten);
  EXPECT_EQ(log[1].commit, "c2");
  EXPECT_EQ(vcs.pins.at("refs/ralph/run-1/2"), "c2");
}

TEST_F(RunnerTest, AHeadTheAgentMovedIsPutBackOnTheRunBranch) {
  capture_display();
  agent.scripts = {completing(0.1), completing(0.1)};
  auto work = agent.scripts[0].on_launch;
  agent.scripts[0].on_launch = [this, work] {
    work();
    vcs.branch_name = "feature";  // git checkout -b feature
  };
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(vcs.attached, std::vector<std::string>{"main"});
  EXPECT_EQ(records()[0].commit, "c1");  // committed after HEAD was back on main
  EXPECT_NE(shown().find("the agent moved HEAD to branch feature; ralph put it back on main"),
            std::string::npos)
      << shown();
}

TEST_F(RunnerTest, ARunBranchTheAgentDeletedIsRecreatedAtRalphsLastCommit) {
  capture_display();
  agent.scripts = {completing(0.1), completing(0.1)};
  auto work = agent.scripts[1].on_launch;
  agent.scripts[1].on_launch = [this, work] {
    work();
    vcs.branch_name = "wip";  // git checkout -b wip && git branch -D main
    vcs.deleted.insert("main");
  };
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(vcs.attached, std::vector<std::string>{"main"});
  EXPECT_EQ(vcs.attached_at, std::vector<std::string>{"c1"});
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(log[1].history_rewritten);
  EXPECT_NE(shown().find("the agent deleted branch main: ralph recreates it at ralph's commit c1 "
                         "of iteration 1; it is kept as refs/ralph/run-1/1"),
            std::string::npos)
      << shown();
}

TEST_F(RunnerTest, AResumeAfterACrashPutsHeadBackOnTheCrashedRunsBranch) {
  capture_display();
  agent.scripts = {completing(0.25)};
  options.halts.max_iterations = 1;
  ASSERT_EQ(run().reason, HaltReason::kMaxIterations);
  // Killed in iteration 2, after its agent had run `git checkout -b experiment` and worked.
  RunState crashed = *read_state(options.state_path());
  crashed.status = "running";
  crashed.iteration = 2;
  crashed.current_item = "US-2";
  crashed.iteration_started_at = format_rfc3339(clock.wall_now());
  crashed.passing_before = {"US-1"};
  ASSERT_TRUE(write_state(options.state_path(), crashed));
  vcs.branch_name = "experiment";
  write_plan({true, true});
  vcs.touch();
  options.halts.max_iterations = 50;
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(vcs.attached, std::vector<std::string>{"main"});  // before the recovered commit
  EXPECT_EQ(vcs.branch_name, "main");
  auto log = records();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].commit, "c2");
  EXPECT_EQ(vcs.pins.at("refs/ralph/run-1/2"), "c2");
  EXPECT_NE(shown().find("moved HEAD to branch experiment; ralph put it back on main"),
            std::string::npos)
      << shown();
}

TEST_F(RunnerTest, ARunOnADetachedHeadCommitsThereAndMovesNothing) {
  vcs.branch_name = "";
  agent.scripts = {completing(0.1), completing(0.1)};
  ASSERT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_TRUE(vcs.attached.empty());
  EXPECT_EQ(vcs.pins.size(), 2u);
}

}  // namespace
}  // namespace ralph::loop
