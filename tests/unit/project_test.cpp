// Finding the project: the git work tree holding the current folder, found without libgit2
// in the plain case and by libgit2 in every other, with the same answers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "cli/project.hpp"
#include "temp_dir.hpp"

namespace ralph {
namespace {

namespace fs = std::filesystem;

class ProjectTest : public ::testing::Test {
 protected:
  ProjectTest() : before_(fs::current_path()), root_(fs::canonical(dir_.path())) {}
  ~ProjectTest() override { fs::current_path(before_); }

  void git(const std::string& args) {
    std::string command =
        "git -c user.name=t -c user.email=t@example.com -c init.defaultBranch=main " + args +
        " > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  cli::Project locate_from(const fs::path& folder) {
    fs::create_directories(folder);
    fs::current_path(folder);
    auto project = cli::locate_project("plans");
    EXPECT_TRUE(project) << project.message();
    return project ? *project : cli::Project{};
  }

  testing::TempDir dir_;
  fs::path before_;
  fs::path root_;
};

TEST_F(ProjectTest, APlainRepositoryIsTheFolderHoldingItsGitFolder) {
  git("init -q " + (root_ / "repo").string());
  auto project = locate_from(root_ / "repo" / "src" / "deep");
  EXPECT_TRUE(project.in_git);
  EXPECT_EQ(project.root, root_ / "repo");
  EXPECT_EQ(project.plan.dir, root_ / "repo" / "src" / "deep" / "plans");
}

TEST_F(ProjectTest, OutsideAnyRepositoryTheCurrentFolderIsTheRoot) {
  auto project = locate_from(root_ / "loose");
  if (project.in_git) GTEST_SKIP() << "the temporary folder is inside a repository";
  EXPECT_EQ(project.root, root_ / "loose");
}

TEST_F(ProjectTest, ALinkedWorktreeIsItsOwnWorkTree) {
  git("init -q " + (root_ / "repo").string());
  git("-C " + (root_ / "repo").string() + " commit -q --allow-empty -m first");
  git("-C " + (root_ / "repo").string() + " worktree add -q " + (root_ / "linked").string());
  auto project = locate_from(root_ / "linked" / "sub");
  EXPECT_TRUE(project.in_git);
  EXPECT_EQ(project.root, root_ / "linked");
}

TEST_F(ProjectTest, ABareRepositoryInsideAWorkTreeHasNoWorkTree) {
  git("init -q " + (root_ / "repo").string());
  git("init -q --bare " + (root_ / "repo" / "vendor" / "lib.git").string());
  auto project = locate_from(root_ / "repo" / "vendor" / "lib.git");
  EXPECT_FALSE(project.in_git);  // as libgit2 finds it: a bare repository, no work tree
}

TEST_F(ProjectTest, AConfigThatMakesTheRepositoryBareIsLibgit2sToRead) {
  git("init -q " + (root_ / "repo").string());
  std::ofstream(root_ / "repo" / ".git" / "config", std::ios::app)
      << "[core]\n\tbare = true ; set by hand\n";
  auto project = locate_from(root_ / "repo" / "src");
  EXPECT_FALSE(project.in_git);
}

}  // namespace
}  // namespace ralph
