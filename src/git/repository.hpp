// The real Vcs: a git repository through libgit2.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "git/secret_files.hpp"
#include "git/vcs.hpp"
#include "git/worktree_watch.hpp"

struct git_repository;
struct git_index;
struct git_tree;

namespace ralph::git {

struct StageFilter;  // git/staging.cpp

class Repository final : public Vcs {
 public:
  // Opens the repository whose work tree holds `path`.
  static Result<std::unique_ptr<Repository>> open(const std::filesystem::path& path);
  ~Repository() override;

  std::filesystem::path workdir() const;
  // The author git config gives (user.name, user.email), or nullopt when it gives none: then
  // commits are by `ralph <ralph@localhost>`.
  std::optional<Signature> configured_signature() const;

  Result<std::string> head() override;
  Status use_branch(const std::string& branch) override;
  Result<std::string> worktree_id() override;
  Result<CommitResult> commit_all(const std::string& message) override;
  Result<std::vector<std::string>> changed_files() override;
  // Watches the work tree from now on, so each staging compares only the paths that changed
  // since the last one with the index instead of walking the whole tree (README "Commits").
  // `debug` hears why a staging walks the whole tree after all.
  void watch_worktree(std::function<void(std::string_view)> debug);
  // Which secret-looking files may be committed (globs from ralph.json).
  void set_secret_policy(SecretFilePolicy policy) { secrets_ = std::move(policy); }
  // Whether a changed file's content holds a secret (an API key from the environment, say):
  // such a file is held back like a secret-looking one unless the policy allows it.
  void set_content_check(std::function<bool(std::string_view)> check) {
    content_check_ = std::move(check);
  }
  Result<std::vector<std::string>> commits_between(const std::string& from,
                                                   const std::string& to) override;
  Result<std::string> branch() override;
  Result<bool> has_branch(const std::string& branch) override;
  Result<bool> contains(const std::string& branch, const std::string& commit) override;
  Status attach_head(const std::string& branch, const std::string& base) override;
  Status pin(const std::string& name, const std::string& commit) override;

  // Worktrees and merges of items run side by side (git/merge.cpp).
  // Adds the linked worktree `name` at `path` on branch `branch`, made at commit `base` when
  // it does not exist (one that does, checked out nowhere, keeps its commits: a worktree
  // rebuilt on a resume). A worktree of that name at that path is kept as it is (a resume),
  // git's record of one whose folder is gone is pruned first; one elsewhere is an error.
  Status add_worktree(const std::string& name, const std::filesystem::path& path,
                      const std::string& branch, const std::string& base);
  // Removes the worktree `name`: its folder and git's records of it. Its branch stays.
  Status remove_worktree(const std::string& name);
  // Brings branch `source` into the branch HEAD is on, whose index and tracked files must be
  // as HEAD has them: a fast-forward when that branch has not moved since `source` left it;
  // else `source`'s commits replayed onto it (their authors and messages kept, ralph the
  // committer); else, when a replay conflicts or `source` holds a merge, a merge commit with
  // `message`. When that conflicts too, nothing changes and the conflicting paths are told.
  // The work tree and the index follow HEAD. What `source` changed of the paths `ours` is left
  // out (HEAD's version stays; a commit left with no change of its own is dropped): the plan
  // files, which ralph itself updates after the merge (README "Running many loops").
  Result<MergeOutcome> merge_into_head(const std::string& source, const std::string& message,
                                       const std::vector<std::string>& ours = {});
  // The content of `path` (relative to the work tree) at commit `commit`; none when the commit
  // has no such file.
  Result<std::optional<std::string>> file_at(const std::string& commit, const std::string& path);

 private:
  explicit Repository(git_repository* repo) : repo_(repo) {}
  git_repository* repo_;
  // Unstages changed files whose content fails the check; their paths go to `held_back`.
  Status hold_back_secret_contents(git_index* index, git_tree* head_tree,
                                   std::vector<std::string>& held_back);
  SecretFilePolicy secrets_{{}};
  std::function<bool(std::string_view)> content_check_;

  // The index file and HEAD as the last staging left them: another writer's change to either
  // makes the watch's list incomplete.
  struct Stamp {
    std::string index;  // inode, size, times and the checksum at its end
    std::string head;
    bool operator==(const Stamp&) const = default;
  };
  Stamp read_stamp();
  // Limits this staging to the watch's paths and those that differed last time, when the
  // watch can vouch for them; otherwise the whole tree is walked.
  void plan_staging(StageFilter& filter);
  // Reads `index` afresh and stages the work tree into it (in memory), as planned.
  Status stage(git_index* index, StageFilter& filter);
  // After a staging that went through: what still differs from the index file, and its stamp.
  void finish_staging(const StageFilter& filter);
  std::unique_ptr<WorktreeWatch> watch_;
  std::function<void(std::string_view)> debug_;
  std::optional<Stamp> stamp_;
  std::vector<std::string> carry_;
};

// Path prefixes ralph never stages.
bool is_ralph_private(const std::string& path);

}  // namespace ralph::git
