// An agent that rewrites the history of the run's branch or moves HEAD elsewhere, against the
// real Claude Code CLI: the work is never lost, and ralph says what happened.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;

TEST(HistoryTest, AResetBranchIsFlaggedAndThePinnedRefsKeepTheWork) {
  Harness h("agent_resets_branch");
  h.add_plan(2);
  CommandResult run = h.ralph({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  const std::string run_id = records[0]["run_id"];
  const std::string lost = records[0]["commit"];
  EXPECT_EQ(records[0]["history_rewritten"], false);
  EXPECT_EQ(records[1]["history_rewritten"], true);
  // Iteration 1's commit is off the branch, but its ref keeps it, with its work.
  EXPECT_NE(h.git({"merge-base", "--is-ancestor", lost, "main"}).exit_code, 0);
  std::string ref = fmt::format("refs/ralph/{}/1", run_id);
  EXPECT_EQ(h.git({"rev-parse", ref}).out, lost + "\n");
  EXPECT_EQ(h.git({"show", lost + ":one.txt"}).out, "one\n");
  EXPECT_EQ(h.git({"rev-parse", fmt::format("refs/ralph/{}/2", run_id)}).out,
            records[1]["commit"].get<std::string>() + "\n");
  EXPECT_NE(run.out.find(fmt::format("the agent rewrote the history of main: ralph's commit {} "
                                     "of iteration 1 is no longer on it; it is kept as {}",
                                     lost.substr(0, 10), ref)),
            std::string::npos)
      << run.out;
  CommandResult status = h.ralph({"status"});
  EXPECT_NE(status.out.find("the agent rewrote the branch in iteration 2"), std::string::npos)
      << status.out;
  EXPECT_EQ(json::parse(h.ralph({"status", "--json"}).out)["run"]["history_rewrites"],
            json::array({2}));
}

TEST(HistoryTest, OnHistoryRewriteHaltStopsTheRunWithTheWorkCommitted) {
  Harness h("agent_resets_branch");
  h.add_plan(2);
  h.write("plans/ralph.json", R"({"on_history_rewrite": "halt"})");
  h.commit_all("Halt on a rewrite");
  CommandResult run = h.ralph({"run"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_EQ(run.last_line().rfind("halt: error - the agent rewrote the history of main", 0), 0u)
      << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["history_rewritten"], true);
  EXPECT_TRUE(records[1]["commit"].is_string());
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");
}

TEST(HistoryTest, AHeadMovedToAnotherBranchIsPutBackAndTheWorkCommittedOnTheRunsBranch) {
  Harness h("agent_switches_branch");
  h.add_plan(1);
  CommandResult run = h.ralph({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("the agent moved HEAD to branch agent-side; ralph put it back on main"),
            std::string::npos)
      << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(h.git({"symbolic-ref", "--short", "HEAD"}).out, "main\n");
  // main's new commit holds the work tree exactly as the agent left it...
  std::string commit = records[0]["commit"];
  EXPECT_EQ(h.git({"rev-parse", "main"}).out, commit + "\n");
  EXPECT_EQ(h.git({"show", commit + ":work.txt"}).out, "work\n");
  EXPECT_EQ(h.git({"show", commit + ":side.txt"}).out, "side\n");
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");
  EXPECT_EQ(h.read("work.txt"), "work\n");
  // ... and the agent's branch, with the commit it made there, is left as it was.
  EXPECT_EQ(h.git({"log", "-1", "--format=%s", "agent-side"}).out, "side work\n");
  ASSERT_EQ(records[0]["agent_commits"].size(), 1u);
  EXPECT_EQ(records[0]["agent_commits"][0].get<std::string>() + "\n",
            h.git({"rev-parse", "agent-side"}).out);
  EXPECT_EQ(records[0]["history_rewritten"], false);
}

}  // namespace
}  // namespace ralph::integration
