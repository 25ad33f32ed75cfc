// The inotify watch of a work tree in a temporary folder: what it lists after real changes,
// and when it refuses to vouch for a list.
#include "git/worktree_watch.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.hpp"

namespace ralph::git {
namespace {

namespace fs = std::filesystem;

class WorktreeWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root() / ".git");
    fs::create_directories(root() / "src/deep");
    fs::create_directories(root() / "build");
    write("src/a.txt", "a");
    write("src/deep/b.txt", "b");
  }
  fs::path root() const { return dir.path(); }
  void write(const std::string& path, const std::string& text) {
    std::ofstream(root() / path) << text;
  }
  std::unique_ptr<WorktreeWatch> start() {
    return WorktreeWatch::start(root(), [](const std::string& d) { return d == "build"; });
  }
  testing::TempDir dir;
  testing::TempDir outside;
};

using Paths = std::vector<std::string>;

TEST_F(WorktreeWatchTest, ListsWhatChangedOnceAndForgetsIt) {
  auto watch = start();
  write("src/a.txt", "changed");
  write("top.txt", "new");
  fs::remove(root() / "src/deep/b.txt");
  fs::permissions(root() / "src/a.txt", fs::perms::owner_exec, fs::perm_options::add);
  auto changes = watch->take();
  ASSERT_TRUE(changes.exact) << changes.reason;
  EXPECT_EQ(changes.paths, (Paths{"src/a.txt", "src/deep/b.txt", "top.txt"}));
  changes = watch->take();
  EXPECT_TRUE(changes.exact);
  EXPECT_TRUE(changes.paths.empty());
}

TEST_F(WorktreeWatchTest, ANewFolderStandsForItsContentAndIsWatchedFromThen) {
  auto watch = start();
  fs::create_directories(root() / "new/inner/most");
  write("new/inner/most/c.txt", "c");
  write("new/d.txt", "d");
  auto changes = watch->take();
  ASSERT_TRUE(changes.exact) << changes.reason;
  EXPECT_EQ(changes.paths, (Paths{"new"}));
  write("new/inner/most/c.txt", "again");
  changes = watch->take();
  ASSERT_TRUE(changes.exact) << changes.reason;
  EXPECT_EQ(changes.paths, (Paths{"new/inner/most/c.txt"}));
}

TEST_F(WorktreeWatchTest, AFolderRenamedInsideTheTreeIsListedUnderBothNamesAndKeepsItsWatch) {
  auto watch = start();
  fs::rename(root() / "src", root() / "lib");
  auto changes = watch->take();
  ASSERT_TRUE(changes.exact) << changes.reason;
  EXPECT_EQ(changes.paths, (Paths{"lib", "src"}));
  write("lib/deep/b.txt", "moved and changed");
  changes = watch->take();
  ASSERT_TRUE(changes.exact) << changes.reason;
  EXPECT_EQ(changes.paths, (Paths{"lib/deep/b.txt"}));
}

TEST_F(WorktreeWatchTest, SkippedFoldersGitAndRalphAreNotListed) {
  fs::create_directories(root() / ".ralph");
  auto watch = start();
  write("build/out.o", "o");
  write(".git/index", "i");
  write(".ralph/state.json", "{}");
  auto changes = watch->take();
  ASSERT_TRUE(changes.exact) << changes.reason;
  EXPECT_TRUE(changes.paths.empty());
}

TEST_F(WorktreeWatchTest, AFolderMovedInFromOutsideIsNotExactUntilTheWatchStartsAgain) {
  auto watch = start();
  fs::create_directories(outside.path() / "pkg");
  std::ofstream(outside.path() / "pkg/e.txt") << "e";
  fs::rename(outside.path() / "pkg", root() / "pkg");
  auto changes = watch->take();
  EXPECT_FALSE(changes.exact);
  EXPECT_EQ(changes.reason, "pkg was moved in from outside the work tree");
  write("pkg/e.txt", "watched now");
  changes = watch->take();
  ASSERT_TRUE(changes.exact) << changes.reason;
  EXPECT_EQ(changes.paths, (Paths{"pkg/e.txt"}));
}

TEST_F(WorktreeWatchTest, IgnoreRulesAndRepositoriesOfTheirOwnAreNotExact) {
  auto watch = start();
  write(".gitignore", "*.log\n");
  auto changes = watch->take();
  EXPECT_FALSE(changes.exact);
  EXPECT_EQ(changes.reason, ".gitignore changed");
  EXPECT_TRUE(watch->take().exact);

  fs::create_directories(root() / "src/vendor/.git");
  changes = watch->take();
  EXPECT_FALSE(changes.exact);
  // Seen as its .git arrives, or while its new folder is watched: one or the other.
  EXPECT_NE(changes.reason.find("src/vendor"), std::string::npos) << changes.reason;
  EXPECT_NE(changes.reason.find("a repository of its own"), std::string::npos) << changes.reason;
  // Starting again finds it: as long as it is there, no list is exact.
  changes = watch->take();
  EXPECT_FALSE(changes.exact);
  EXPECT_EQ(changes.reason, "src/vendor is a repository of its own");
}

}  // namespace
}  // namespace ralph::git
