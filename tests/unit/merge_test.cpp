// Worktrees and merges of item branches into the run's branch, with the real libgit2 in a
// temporary repository, checked with git itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "git/repository.hpp"
#include "temp_dir.hpp"

namespace ralph::git {
namespace {

class MergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(std::system(("git init -q -b main " + dir.path().string()).c_str()), 0);
    git("config user.name 'Jo Tester'");
    git("config user.email jo@example.com");
    dir.write("a.txt", "one\ntwo\nthree\n");
    dir.write(".gitignore", ".ralph/\n");
    git("add -A");
    git("commit -q -m base");
    auto opened = Repository::open(dir.path());
    ASSERT_TRUE(opened) << opened.message();
    repo = std::move(*opened);
  }
  std::string git(const std::string& args, const std::filesystem::path& where = {}) {
    return testing::git_output(where.empty() ? dir.path() : where, args);
  }
  std::string head() { return git("rev-parse HEAD").substr(0, 40); }
  // A worktree for `item` on ralph/run/<item>, from HEAD.
  std::filesystem::path add(const std::string& item) {
    auto path = dir.path() / ".ralph/worktrees" / item;
    Status s = repo->add_worktree(item, path, "ralph/run/" + item, head());
    EXPECT_TRUE(s) << s.message();
    return path;
  }
  void commit_in(const std::filesystem::path& where, const std::string& file,
                 const std::string& content, const std::string& message) {
    std::ofstream(where / file) << content;
    git("add -A", where);
    git("-c user.name=Agent -c user.email=agent@example.com commit -q -m '" + message + "'", where);
  }
  testing::TempDir dir;
  std::unique_ptr<Repository> repo;
};

TEST_F(MergeTest, AWorktreeOfItsOwnOnItsBranchIsAddedKeptOnResumeAndRemoved) {
  auto path = add("US-001");
  EXPECT_EQ(git("rev-parse --abbrev-ref HEAD", path), "ralph/run/US-001\n");
  EXPECT_EQ(git("rev-parse HEAD", path), git("rev-parse main"));
  EXPECT_EQ(dir.read(".ralph/worktrees/US-001/a.txt"), "one\ntwo\nthree\n");
  EXPECT_NE(git("worktree list").find(path.string()), std::string::npos);
  // A resume finds it as it was; a second one of that name elsewhere is refused.
  EXPECT_TRUE(repo->add_worktree("US-001", path, "ralph/run/US-001", head()));
  Status elsewhere = repo->add_worktree("US-001", dir.path() / "other", "ralph/run/other", head());
  EXPECT_FALSE(elsewhere);
  EXPECT_NE(elsewhere.message().find("already exists"), std::string::npos);
  EXPECT_EQ(git("status --porcelain"), "");  // the main work tree does not see it

  ASSERT_TRUE(repo->remove_worktree("US-001"));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(git("worktree list").find(path.string()), std::string::npos);
  EXPECT_EQ(git("rev-parse --verify -q ralph/run/US-001"), git("rev-parse main"));  // kept
}

TEST_F(MergeTest, AWorktreeWhoseFolderIsGoneIsMadeAgainOnItsBranchWithItsCommits) {
  auto path = add("US-001");
  commit_in(path, "b.txt", "b\n", "US-001: b");
  std::filesystem::remove_all(path);  // a crash, or a folder removed by hand
  Status again = repo->add_worktree("US-001", path, "ralph/run/US-001", head());
  ASSERT_TRUE(again) << again.message();
  EXPECT_EQ(dir.read(".ralph/worktrees/US-001/b.txt"), "b\n");  // the branch kept its commit
  EXPECT_EQ(git("log --format=%s -1", path), "US-001: b\n");
  // A branch checked out in another worktree is not taken.
  Status taken = repo->add_worktree("other", dir.path() / "other", "ralph/run/US-001", head());
  EXPECT_FALSE(taken);
  EXPECT_NE(taken.message().find("checked out elsewhere"), std::string::npos) << taken.message();
}

TEST_F(MergeTest, ABranchOffTheTipFastForwards) {
  auto path = add("US-001");
  commit_in(path, "b.txt", "b\n", "US-001: b");
  auto merged = repo->merge_into_head("ralph/run/US-001", "Merge US-001");
  ASSERT_TRUE(merged) << merged.message();
  EXPECT_EQ(merged->kind, MergeKind::kFastForward);
  EXPECT_EQ(merged->commit, git("rev-parse ralph/run/US-001").substr(0, 40));
  EXPECT_EQ(head(), merged->commit);
  EXPECT_EQ(dir.read("b.txt"), "b\n");
  EXPECT_EQ(git("status --porcelain"), "");

  auto again = repo->merge_into_head("ralph/run/US-001", "Merge US-001");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kind, MergeKind::kUpToDate);
}

TEST_F(MergeTest, BranchesThatEditDifferentPlacesAreReplayedInOrderKeepingTheirAuthors) {
  auto first = add("US-001");
  auto second = add("US-002");
  commit_in(first, "b.txt", "b\n", "US-001: b");
  commit_in(second, "a.txt", "ONE\ntwo\nthree\n", "US-002: a");
  commit_in(second, "c.txt", "c\n", "US-002: c");
  ASSERT_EQ(repo->merge_into_head("ralph/run/US-001", "m1")->kind, MergeKind::kFastForward);
  auto merged = repo->merge_into_head("ralph/run/US-002", "m2");
  ASSERT_TRUE(merged) << merged.message();
  EXPECT_EQ(merged->kind, MergeKind::kRebased);
  EXPECT_EQ(git("log --format=%s main"), "US-002: c\nUS-002: a\nUS-001: b\nbase\n");
  EXPECT_EQ(git("log --format=%an -n 2 main"), "Agent\nAgent\n");
  EXPECT_EQ(git("rev-list --merges main"), "");  // linear
  EXPECT_EQ(dir.read("a.txt"), "ONE\ntwo\nthree\n");
  EXPECT_EQ(dir.read("b.txt"), "b\n");
  EXPECT_EQ(dir.read("c.txt"), "c\n");
  EXPECT_EQ(git("status --porcelain"), "");
}

TEST_F(MergeTest, ABranchHoldingAMergeGetsAMergeCommit) {
  dir.write("b.txt", "b\n");  // the run's branch moves on
  git("add -A");
  git("commit -q -m 'run: b'");
  auto path = add("US-001");
  git("reset -q --hard HEAD~1", path);  // the item's branch starts before it
  git("checkout -q -b side", path);
  commit_in(path, "c.txt", "c\n", "side: c");
  git("checkout -q ralph/run/US-001", path);
  commit_in(path, "d.txt", "d\n", "US-001: d");
  git("-c user.name=Agent -c user.email=agent@example.com merge -q --no-edit side", path);
  auto merged = repo->merge_into_head("ralph/run/US-001", "Merge US-001\n\nRalph-Item: US-001\n");
  ASSERT_TRUE(merged) << merged.message();
  EXPECT_EQ(merged->kind, MergeKind::kMergeCommit);
  EXPECT_EQ(git("log -1 --format=%s%n%P main").find("Merge US-001"), 0u);
  EXPECT_EQ(git("rev-list --parents -n 1 main").size(), 3u * 41);  // two parents
  EXPECT_EQ(git("log -1 '--format=%(trailers:key=Ralph-Item,valueonly)' main").rfind("US-001\n", 0),
            0u);
  for (const char* file : {"b.txt", "c.txt", "d.txt"})
    EXPECT_TRUE(std::filesystem::exists(dir.path() / file)) << file;
  EXPECT_EQ(git("status --porcelain"), "");
}

TEST_F(MergeTest, WhenAReplayConflictsButTheMergeDoesNotItIsAMergeCommit) {
  auto path = add("US-001");
  commit_in(path, "a.txt", "one\nTWO\nthree\n", "US-001: try");
  commit_in(path, "a.txt", "one\ntwo\nthree\n", "US-001: undo");  // net: no change to a.txt
  commit_in(path, "f.txt", "f\n", "US-001: f");
  dir.write("a.txt", "one\n2\nthree\n");
  git("commit -q -am 'run: two'");
  auto merged = repo->merge_into_head("ralph/run/US-001", "Merge US-001");
  ASSERT_TRUE(merged) << merged.message();
  EXPECT_EQ(merged->kind, MergeKind::kMergeCommit);
  EXPECT_EQ(dir.read("a.txt"), "one\n2\nthree\n");
  EXPECT_EQ(dir.read("f.txt"), "f\n");
  EXPECT_EQ(git("log -1 --format=%s main"), "Merge US-001\n");
  EXPECT_EQ(git("status --porcelain"), "");
}

TEST_F(MergeTest, AConflictChangesNothingAndNamesTheFiles) {
  auto path = add("US-001");
  commit_in(path, "a.txt", "one\nTWO\nthree\n", "US-001: two");
  commit_in(path, "e.txt", "e\n", "US-001: e");
  dir.write("a.txt", "one\n2\nthree\n");
  git("commit -q -am 'run: two'");
  const std::string before = head();
  auto merged = repo->merge_into_head("ralph/run/US-001", "Merge US-001");
  ASSERT_TRUE(merged) << merged.message();
  EXPECT_EQ(merged->kind, MergeKind::kConflict);
  EXPECT_EQ(merged->conflicts, std::vector<std::string>{"a.txt"});
  EXPECT_EQ(head(), before);
  EXPECT_EQ(merged->commit, before);
  EXPECT_EQ(dir.read("a.txt"), "one\n2\nthree\n");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "e.txt"));
  EXPECT_EQ(git("status --porcelain"), "");
  EXPECT_EQ(git("rev-parse --abbrev-ref HEAD", path), "ralph/run/US-001\n");  // left as it is
}

}  // namespace
TEST_F(MergeTest, WhatTheBranchChangedOfTheKeptPathsIsLeftOutAndTheirConflictsWithIt) {
  dir.write("progress.txt", "start\n");
  git("add -A");
  git("commit -q -m progress");
  auto one = add("US-001");
  auto two = add("US-002");
  commit_in(one, "progress.txt", "start\none learned\n", "US-001: notes");
  commit_in(one, "b.txt", "b\n", "US-001: b");
  commit_in(two, "progress.txt", "start\ntwo learned\n", "US-002: notes and c");
  commit_in(two, "c.txt", "c\n", "US-002: c");
  const std::vector<std::string> kept = {"progress.txt"};

  // Off the tip: no fast-forward, which would bring the notes in; the commit of notes alone
  // is dropped.
  auto first = repo->merge_into_head("ralph/run/US-001", "Merge US-001", kept);
  ASSERT_TRUE(first) << first.message();
  EXPECT_EQ(first->kind, MergeKind::kRebased);
  EXPECT_EQ(dir.read("progress.txt"), "start\n");
  EXPECT_EQ(dir.read("b.txt"), "b\n");
  EXPECT_EQ(git("log --format=%s main"), "US-001: b\nprogress\nbase\n");
  commit_in(dir.path(), "progress.txt", "start\none learned\n", "ralph: the notes of US-001");
  // Both changed progress.txt's same line: without kept paths a conflict, with them none.
  auto conflicting = repo->merge_into_head("ralph/run/US-002", "Merge US-002");
  ASSERT_TRUE(conflicting) << conflicting.message();
  EXPECT_EQ(conflicting->kind, MergeKind::kConflict);
  EXPECT_EQ(conflicting->conflicts, kept);
  auto second = repo->merge_into_head("ralph/run/US-002", "Merge US-002", kept);
  ASSERT_TRUE(second) << second.message();
  EXPECT_EQ(second->kind, MergeKind::kRebased);
  EXPECT_EQ(dir.read("progress.txt"), "start\none learned\n");
  EXPECT_EQ(dir.read("c.txt"), "c\n");
  EXPECT_EQ(git("status --porcelain"), "");

  auto at = repo->file_at(head(), "progress.txt");
  ASSERT_TRUE(at) << at.message();
  EXPECT_EQ(*at, std::optional<std::string>("start\none learned\n"));
  auto before = repo->file_at(git("rev-parse ralph/run/US-002").substr(0, 40), "progress.txt");
  ASSERT_TRUE(before);
  EXPECT_EQ(*before, std::optional<std::string>("start\ntwo learned\n"));
  auto none = repo->file_at(head(), "missing.txt");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
}

}  // namespace ralph::git
