// An agent that rewrites the history of the run's branch or moves HEAD elsewhere, against the
// real Claude Code CLI: the work is never lost, and ralph says what happened.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <sstream>

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

// What the agent does to the tree, committed as git add -A would, with the whole tree walked
// only where the watch cannot vouch for its list (README "Commits").
TEST(HistoryTest, EachIterationCommitsTheTreeAsReshapedWithTheWatchWalkingOnlyWhenItMust) {
  Harness h("agent_reshapes_tree");
  h.add_plan(3);
  h.write(".gitignore", ".ralph/\n*.log\n");
  h.commit_all("Ignore logs");
  h.set_env("RALPH_DEBUG", "1");
  CommandResult run = h.ralph({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u);
  std::vector<std::string> commits;
  for (const auto& record : records) {
    ASSERT_TRUE(record["commit"].is_string()) << record.dump();
    commits.push_back(record["commit"]);
  }
  auto tree = [&](const std::string& commit) {  // but the plan's files
    std::istringstream lines(
        h.git({"ls-tree", "-r", "--format=%(objectmode) %(path)", commit}).out);
    std::string kept;
    for (std::string line; std::getline(lines, line);) {
      if (line.find(" plans/") == std::string::npos) kept += line + "\n";
    }
    return kept;
  };
  EXPECT_EQ(tree(commits[0]),
            "100644 .gitignore\n100644 README.md\n100644 a/b/c/deep.txt\n100644 a/top.txt\n100644 "
            "keep.txt\n"
            "100644 pkg/pkg.txt\n");
  EXPECT_EQ(tree(commits[1]),
            "100644 .gitignore\n100644 README.md\n120000 link\n100644 pkg/pkg.txt\n100644 "
            "z/b/c/deep.txt\n"
            "100755 z/top.txt\n");
  EXPECT_EQ(
      tree(commits[2]),
      "100644 .gitignore\n100644 README.md\n100644 junk.log\n120000 link\n100644 pkg/pkg.txt\n"
      "100644 z/b/c/deep.txt\n100755 z/top.txt\n");
  EXPECT_EQ(h.git({"show", commits[2] + ":z/b/c/deep.txt"}).out, "edited\n");
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");
  // Iteration 1: the folder moved in (and the first staging). Iteration 2: only what
  // changed. Iteration 3: the ignore rules changed.
  EXPECT_EQ(run.err,
            "ralph: debug: staging walks the whole work tree: pkg was moved in from outside the "
            "work tree\n"
            "ralph: debug: staging walks the whole work tree: .gitignore changed\n");
}

}  // namespace
}  // namespace ralph::integration
