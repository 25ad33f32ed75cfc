// The real libgit2 code in a temporary repository.
#include "git/repository.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "temp_dir.hpp"

namespace ralph::git {
namespace {

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(std::system(("git init -q -b main " + dir.path().string()).c_str()), 0);
    git("config user.name 'Jo Tester'");
    git("config user.email jo@example.com");
    auto opened = Repository::open(dir.path());
    ASSERT_TRUE(opened) << opened.message();
    repo = std::move(*opened);
  }
  std::string git(const std::string& args) { return testing::git_output(dir.path(), args); }
  void stage_random_changes(bool watched);
  // An agent's `git init` in a subfolder, with a commit: inner/x.txt.
  int init_inner_repository() {
    dir.write("inner/x.txt", "x");
    const std::string inner = (dir.path() / "inner").string();
    return std::system(("git -C " + inner + " init -q && git -C " + inner +
                        " add x.txt && git -C " + inner +
                        " -c user.name=a -c user.email=a@b commit -q -m x")
                           .c_str());
  }
  testing::TempDir dir;
  std::unique_ptr<Repository> repo;
};

TEST_F(RepositoryTest, FirstCommitOnAnUnbornBranchAndNoEmptyCommits) {
  EXPECT_EQ(*repo->head(), "");
  auto nothing = repo->commit_all("empty");
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(nothing->commit);

  dir.write("a.txt", "a\n");
  dir.write(".ralph/state.json", "{}");
  auto first = repo->commit_all("first\n\nRalph-Run: r1\n");
  ASSERT_TRUE(first) << first.message();
  ASSERT_TRUE(first->commit);
  EXPECT_EQ(*repo->head(), *first->commit);
  EXPECT_EQ(git("ls-files"), "a.txt\n");  // never .ralph/
  EXPECT_EQ(git("log -1 '--format=%an%n%ae%n%s%n%(trailers:key=Ralph-Run,valueonly)'"),
            "Jo Tester\njo@example.com\nfirst\nr1\n\n");
  EXPECT_EQ(git("status --porcelain --untracked-files=no"), "");

  auto again = repo->commit_all("nothing changed");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->commit);
}

TEST_F(RepositoryTest, ChangedFilesListsWhatACommitWouldTakeAndLeavesTheIndexAlone) {
  EXPECT_EQ(*repo->changed_files(), std::vector<std::string>());  // unborn, nothing there
  dir.write("a.txt", "a\n");
  EXPECT_EQ(*repo->changed_files(), std::vector<std::string>{"a.txt"});
  ASSERT_TRUE(repo->commit_all("first"));
  EXPECT_EQ(*repo->changed_files(), std::vector<std::string>());

  dir.write(".gitignore", "build/\n");
  dir.write("build/out.o", "x");
  dir.write(".ralph/state.json", "{}");
  dir.write(".env", "SECRET=1");  // held back
  dir.write("b/c.txt", "c");
  std::filesystem::remove(dir.path() / "a.txt");
  auto files = repo->changed_files();
  ASSERT_TRUE(files) << files.message();
  EXPECT_EQ(*files, (std::vector<std::string>{".gitignore", "a.txt", "b/c.txt"}));
  EXPECT_EQ(git("diff --cached --name-only"), "");  // nothing staged for real
}

TEST_F(RepositoryTest, StagesNewChangedAndRemovedFilesHonouringGitignore) {
  dir.write(".gitignore", "build/\n");
  dir.write("keep.txt", "1");
  dir.write("gone.txt", "1");
  ASSERT_TRUE(repo->commit_all("base")->commit);
  dir.write("keep.txt", "2");
  std::filesystem::remove(dir.path() / "gone.txt");
  dir.write("new/file.txt", "3");
  dir.write("build/out.o", "ignored");
  auto commit = repo->commit_all("change");
  ASSERT_TRUE(commit && commit->commit);
  EXPECT_EQ(git("show --name-status --format= HEAD"),
            "D\tgone.txt\nM\tkeep.txt\nA\tnew/file.txt\n");
}

TEST_F(RepositoryTest, WorktreeIdChangesWithContentOnly) {
  dir.write("a.txt", "a");
  auto before = repo->worktree_id();
  ASSERT_TRUE(before);
  EXPECT_EQ(*repo->worktree_id(), *before);
  dir.write("a.txt", "b");
  EXPECT_NE(*repo->worktree_id(), *before);
  dir.write(".ralph/x", "ignored by ralph");
  auto after = repo->worktree_id();
  dir.write(".ralph/x", "still ignored");
  EXPECT_EQ(*repo->worktree_id(), *after);
  EXPECT_EQ(git("status --porcelain"), "?? .ralph/\n?? a.txt\n");  // the index is untouched
}

TEST_F(RepositoryTest, CommitAllGivesTheTreeWorktreeIdWouldAndWritesTheIndexEvenWithoutACommit) {
  dir.write("a.txt", "a");
  auto first = repo->commit_all("first");
  ASSERT_TRUE(first && first->commit);
  EXPECT_EQ(first->tree, *repo->worktree_id());
  EXPECT_EQ(first->tree, git("rev-parse HEAD^{tree}").substr(0, 40));
  auto index = dir.path() / ".git" / "index";
  auto written = std::filesystem::last_write_time(index);
  std::filesystem::last_write_time(index, written - std::chrono::hours(1));
  auto again = repo->commit_all("nothing");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->commit);
  EXPECT_EQ(again->tree, first->tree);
  // Written (its stat cache refreshed), though nothing was committed.
  EXPECT_GT(std::filesystem::last_write_time(index), written - std::chrono::hours(1));
  EXPECT_EQ(git("status --porcelain"), "");
}

// The one-walk staging against `git add -A` (on a copy of the index, .ralph/ left out), over
// randomized changes: adds, removes, renames, mode changes, nested new folders, ignored files
// and symlinks, committed every few rounds.
// Random adds, removes, renames (of files and folders), mode changes, nested new folders,
// ignored files and symlinks; after each round the staged tree must be git add -A's. With
// `watched`, also folders moved in from outside, ignore rules changed, the index rewritten by
// git, and a repository of its own: the watch's fast path must give the same trees, and
// be taken in most rounds.
void RepositoryTest::stage_random_changes(bool watched) {
  dir.write(".gitignore", "*.log\nbuild/\n");
  std::vector<std::string> walks;
  if (watched) {
    repo->watch_worktree([&](std::string_view why) { walks.emplace_back(why); });
    ASSERT_TRUE(repo->worktree_id());
  }
  std::mt19937 random(20261202);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  std::vector<std::string> files;
  auto path_of = [&](int depth) {
    std::string path;
    for (int d = 0; d < depth; ++d) path += "d" + std::to_string(pick(3)) + "/";
    return path + "f" + std::to_string(pick(1000)) + (pick(5) == 0 ? ".log" : ".txt");
  };
  namespace fs = std::filesystem;
  const std::string index_copy = (dir.path() / ".git" / "index-copy").string();
  const int rounds = watched ? 60 : 40;
  for (int round = 0; round < rounds; ++round) {
    for (int change = 0; change < 6; ++change) {
      // Watched, one change in 30 is a move from outside and one a change by git, which
      // the watch cannot vouch for; one in 10 a folder renamed or a new tree of folders.
      const int rare = watched ? pick(30) : 29;
      const int what = files.empty() ? 0 : rare == 0 ? 8 : rare == 1 ? 9 : rare <= 4 ? 7 : pick(7);
      std::error_code ec;
      if (what <= 1) {  // add (nested folders, sometimes ignored)
        std::string path = pick(6) == 0 ? "build/out" + std::to_string(pick(9)) : path_of(pick(4));
        dir.write(path, std::to_string(random()));
        files.push_back(path);
        continue;
      }
      if (what == 7) {  // a folder renamed, or a new tree of folders
        const std::string from = "d" + std::to_string(pick(3));
        const std::string to = "r" + std::to_string(pick(3));
        if (fs::exists(dir.path() / from) && !fs::exists(dir.path() / to)) {
          fs::rename(dir.path() / from, dir.path() / to, ec);
          for (auto& f : files) {
            if (!ec && f.rfind(from + "/", 0) == 0) f = to + f.substr(from.size());
          }
        } else {
          std::string path = "n" + std::to_string(pick(3)) + "/" + path_of(3);
          dir.write(path, "new tree");
          files.push_back(path);
        }
        continue;
      }
      if (what == 8) {  // moved in from outside the work tree
        testing::TempDir outside;
        outside.write("pkg/a.txt", std::to_string(random()));
        const std::string to = "m" + std::to_string(pick(1000));
        fs::rename(outside.path() / "pkg", dir.path() / to, ec);
        if (!ec) files.push_back(to + "/a.txt");
        continue;
      }
      if (what == 9) {  // git itself: the ignore rules, or the index
        if (pick(2) == 0) {
          dir.write(".gitignore", pick(2) == 0 ? "*.log\nbuild/\n" : "*.log\n");
        } else {
          git("rm -q --cached -r --ignore-unmatch d0");
        }
        continue;
      }
      const size_t at = static_cast<size_t>(pick(static_cast<int>(files.size())));
      const fs::path full = dir.path() / files[at];
      if (what == 2) {  // remove
        fs::remove(full, ec);
        files.erase(files.begin() + static_cast<long>(at));
      } else if (what == 3) {  // rename
        std::string to = path_of(pick(3));
        fs::create_directories((dir.path() / to).parent_path(), ec);
        fs::rename(full, dir.path() / to, ec);
        if (!ec) files[at] = to;
      } else if (what == 4) {  // mode change
        fs::permissions(full, fs::perms::owner_exec, fs::perm_options::add, ec);
      } else if (what == 5) {  // a symlink to it
        fs::path link = dir.path() / ("link" + std::to_string(pick(50)));
        fs::remove(link, ec);
        fs::create_symlink(files[at], link, ec);
      } else if (fs::is_regular_file(full)) {  // modify
        dir.write(files[at], std::to_string(random()));
      }
    }
    if (watched && round == rounds - 10) {  // an agent's git init in a subfolder
      ASSERT_EQ(init_inner_repository(), 0);
    }
    dir.write(".ralph/state.json", std::to_string(round));
    // The copy dated 1970: git then takes every entry for racily clean and compares contents
    // (a copy dated now would make git trust stat data where it must not).
    std::string expected = git(
        "--version > /dev/null; cp " + (dir.path() / ".git/index").string() + " " + index_copy +
        " 2>/dev/null; touch -c -d @1 " + index_copy + "; GIT_INDEX_FILE=" + index_copy +
        " git -C " + dir.path().string() +
        " -c advice.addEmbeddedRepo=false add -A -- . ':!.ralph' && GIT_INDEX_FILE=" + index_copy +
        " git -C " + dir.path().string() + " write-tree");
    auto id = repo->worktree_id();
    ASSERT_TRUE(id) << id.message();
    ASSERT_EQ(*id + "\n", expected.substr(expected.size() >= 41 ? expected.size() - 41 : 0))
        << "round " << round << ": " << git("status --porcelain");
    if (round % 3 == 2) {
      auto commit = repo->commit_all("round " + std::to_string(round));
      ASSERT_TRUE(commit) << commit.message();
      EXPECT_EQ(commit->tree, *id);
      // Without the optional lock git status would refresh the index: a change by another.
      EXPECT_EQ(git("--version >/dev/null; GIT_OPTIONAL_LOCKS=0 git -C " + dir.path().string() +
                    " status --porcelain -- . ':!.ralph'"),
                "")
          << "round " << round;
    }
  }
  if (!watched) return;
  auto said = [&](std::string_view what) {
    return std::count_if(walks.begin(), walks.end(), [&](const std::string& walk) {
      return walk.find(what) != std::string::npos;
    });
  };
  EXPECT_EQ(said("the first staging since the watch started"), 1);
  EXPECT_GT(said("moved in from outside"), 0);
  EXPECT_GT(said(".gitignore changed"), 0);
  EXPECT_GT(said("the index or HEAD changed outside ralph"), 0);
  EXPECT_GT(said("a repository of its own"), 8);  // every staging while it is there
  // Most stagings took the fast path.
  std::string all;
  for (const auto& walk : walks) all += walk + "\n";
  EXPECT_LT(walks.size(), static_cast<size_t>(rounds + rounds / 3) / 2) << all;  // of 80
}

TEST_F(RepositoryTest, StagingGivesTheTreeGitAddAllGivesOverRandomChanges) {
  stage_random_changes(false);
}

TEST_F(RepositoryTest, WatchedStagingGivesTheTreesOfTheFullWalkOverRandomChanges) {
  stage_random_changes(true);
}

// An agent that runs `git init` in a subfolder (a scaffolding tool does): staged as git add -A
// stages it, a link to its commit.
TEST_F(RepositoryTest, AnEmbeddedRepositoryIsStagedAsGitAddAllStagesIt) {
  dir.write("a.txt", "a");
  ASSERT_TRUE(repo->commit_all("base")->commit);
  ASSERT_EQ(init_inner_repository(), 0);
  dir.write("z.txt", "z");
  auto commit = repo->commit_all("embedded");
  ASSERT_TRUE(commit) << commit.message();
  ASSERT_TRUE(commit->commit);
  EXPECT_EQ(git("ls-tree --format='%(objectmode) %(path)' HEAD"),
            "100644 a.txt\n160000 inner\n100644 z.txt\n");
}

TEST_F(RepositoryTest, UseBranchCreatesFromHeadOrChecksOut) {
  dir.write("a.txt", "a");
  auto base = *repo->commit_all("base")->commit;
  ASSERT_TRUE(repo->use_branch("ralph/feature"));
  EXPECT_EQ(git("symbolic-ref HEAD"), "refs/heads/ralph/feature\n");
  EXPECT_EQ(*repo->head(), base);
  dir.write("b.txt", "b");
  auto on_branch = *repo->commit_all("on branch")->commit;
  ASSERT_TRUE(repo->use_branch("main"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "b.txt"));
  ASSERT_TRUE(repo->use_branch("ralph/feature"));
  EXPECT_EQ(*repo->head(), on_branch);
  EXPECT_EQ(dir.read("b.txt"), "b");
  EXPECT_FALSE(repo->use_branch("bad..name"));
}

TEST_F(RepositoryTest, CommitsBetweenListsTheAgentsOwnCommits) {
  dir.write("a.txt", "a");
  auto base = *repo->commit_all("base")->commit;
  git("commit -q --allow-empty -m one");
  git("commit -q --allow-empty -m two");
  auto head = *repo->head();
  auto commits = repo->commits_between(base, head);
  ASSERT_TRUE(commits);
  ASSERT_EQ(commits->size(), 2u);
  EXPECT_EQ(commits->back(), head);
  EXPECT_TRUE(repo->commits_between(head, head)->empty());
}

TEST_F(RepositoryTest, AHeldIndexLockIsAClearError) {
  dir.write("a.txt", "a");
  dir.write(".git/index.lock", "");
  auto commit = repo->commit_all("blocked");
  ASSERT_FALSE(commit);
  EXPECT_NE(commit.message().find("index.lock"), std::string::npos) << commit.message();
}

TEST_F(RepositoryTest, SecretFilesAndSecretContentsAreHeldBack) {
  dir.write("app.txt", "v1\n");
  ASSERT_TRUE(repo->commit_all("base")->commit);
  repo->set_secret_policy(SecretFilePolicy({".env.test"}));
  repo->set_content_check([](std::string_view content) {
    return content.find("KEY-abcdef123456") != std::string_view::npos;
  });
  dir.write(".env", "TOKEN=x\n");
  dir.write("certs/server.pem", "-----BEGIN PRIVATE KEY-----\n");
  dir.write(".env.example", "TOKEN=\n");
  dir.write(".env.test", "TOKEN=test\n");
  dir.write("notes.txt", "the key is KEY-abcdef123456\n");
  dir.write("app.txt", "v2 with KEY-abcdef123456\n");  // a tracked file gaining a secret
  dir.write("ok.txt", "fine\n");
  auto result = repo->commit_all("work");
  ASSERT_TRUE(result) << result.message();
  ASSERT_TRUE(result->commit);
  std::vector<std::string> held = result->held_back;
  std::sort(held.begin(), held.end());
  EXPECT_EQ(held, (std::vector<std::string>{".env", "app.txt (its content holds a secret)",
                                            "certs/server.pem",
                                            "notes.txt (its content holds a secret)"}));
  EXPECT_EQ(git("show --name-only --format= HEAD"), ".env.example\n.env.test\nok.txt\n");
  EXPECT_EQ(git("show HEAD:app.txt"), "v1\n");  // the committed version is untouched
  EXPECT_EQ(dir.read("app.txt"), "v2 with KEY-abcdef123456\n");  // the work tree too
  EXPECT_EQ(git("status --porcelain"), " M app.txt\n?? .env\n?? certs/\n?? notes.txt\n");
}

TEST(RepositoryOpenTest, OutsideARepository) {
  testing::TempDir dir;
  auto repo = Repository::open(dir.path());
  ASSERT_FALSE(repo);
  EXPECT_NE(repo.message().find("git init"), std::string::npos);
}

}  // namespace
}  // namespace ralph::git

namespace ralph::git {
namespace {

TEST_F(RepositoryTest, ContainsFollowsTheBranchAndPinsKeepWhatAResetDropped) {
  dir.write("a.txt", "1\n");
  std::string first = *repo->commit_all("one")->commit;
  dir.write("a.txt", "2\n");
  std::string second = *repo->commit_all("two")->commit;
  EXPECT_EQ(*repo->branch(), "main");
  EXPECT_TRUE(*repo->contains("main", first));
  EXPECT_TRUE(*repo->contains("main", second));
  EXPECT_TRUE(*repo->contains("", second));  // HEAD
  EXPECT_FALSE(*repo->contains("no-such-branch", first));
  ASSERT_TRUE(repo->pin("refs/ralph/run-1/2", second));
  git("reset -q --hard HEAD~1");  // what an agent may do
  EXPECT_TRUE(*repo->contains("main", first));
  EXPECT_FALSE(*repo->contains("main", second));
  // The pinned ref keeps the dropped commit reachable, so gc never takes it.
  EXPECT_EQ(git("rev-parse refs/ralph/run-1/2"), second + "\n");
  EXPECT_FALSE(repo->pin("refs/ralph/run-1/3", "not-a-commit"));
}

TEST_F(RepositoryTest, AttachHeadPutsHeadBackWithoutTouchingTheWorkTree) {
  dir.write("a.txt", "main\n");
  std::string base = *repo->commit_all("base")->commit;
  // The agent switches to a branch of its own, commits there, and leaves a change.
  git("checkout -q -b feature");
  dir.write("b.txt", "feature\n");
  git("add b.txt");
  git("commit -q -m feature-work");
  dir.write("a.txt", "changed on feature\n");
  EXPECT_EQ(*repo->branch(), "feature");
  ASSERT_TRUE(repo->attach_head("main", base));
  EXPECT_EQ(*repo->branch(), "main");
  EXPECT_EQ(*repo->head(), base);
  EXPECT_EQ(dir.read("a.txt"), "changed on feature\n");  // the work tree as the agent left it
  EXPECT_EQ(dir.read("b.txt"), "feature\n");
  // What the agent did shows as changes on main, which the next commit takes.
  EXPECT_EQ(git("status --porcelain"), " M a.txt\n?? b.txt\n");
  auto commit = repo->commit_all("ralph(US-1): work");
  ASSERT_TRUE(commit && commit->commit);
  EXPECT_EQ(git("log -1 --format=%P"), base + "\n");
  EXPECT_EQ(git("status --porcelain"), "");
  EXPECT_EQ(git("log -1 --format=%s feature"), "feature-work\n");  // kept as the agent left it
  // A detached HEAD, and a run branch the agent deleted: recreated at the base given.
  git("checkout -q --detach");
  git("branch -q -D main");
  EXPECT_EQ(*repo->branch(), "");
  ASSERT_TRUE(repo->attach_head("main", *commit->commit));
  EXPECT_EQ(*repo->branch(), "main");
  EXPECT_EQ(*repo->head(), *commit->commit);
  // No base: HEAD points at the branch unborn, the next commit starts it.
  ASSERT_TRUE(repo->attach_head("fresh", ""));
  EXPECT_EQ(*repo->branch(), "fresh");
  EXPECT_FALSE(*repo->has_branch("fresh"));
  EXPECT_TRUE(*repo->has_branch("main"));
  EXPECT_FALSE(repo->attach_head("other", "not-a-commit"));
}

}  // namespace
}  // namespace ralph::git
