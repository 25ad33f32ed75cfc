// Version control as the loop needs it. The real one is libgit2 (git/repository.hpp);
// tests of the loop use a fake.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace ralph::git {

struct Signature {
  std::string name;
  std::string email;
};

struct CommitResult {
  std::optional<std::string> commit;   // the new commit, or none when nothing changed
  std::vector<std::string> held_back;  // secret-looking files left uncommitted
  // The id of the tree the work tree staged to (HEAD's tree after a commit), in worktree_id's
  // terms: the next iteration's "before" without walking the work tree again.
  std::string tree;
};

// How a branch came into HEAD's branch (Repository::merge_into_head).
enum class MergeKind {
  kUpToDate,     // it held nothing HEAD's branch lacks
  kFastForward,  // HEAD's branch had not moved since it branched off
  kRebased,      // its commits replayed onto HEAD's branch, one by one
  kMergeCommit,  // a replay conflicted (or it holds a merge), a three-way merge did not
  kConflict,     // the merge conflicts too: nothing changed
};

struct MergeOutcome {
  MergeKind kind = MergeKind::kUpToDate;
  std::string commit;                  // HEAD after it
  std::vector<std::string> conflicts;  // with kConflict: the paths, sorted
};

class Vcs {
 public:
  virtual ~Vcs() = default;
  // The commit HEAD points at, or "" on a branch with no commits yet.
  virtual Result<std::string> head() = 0;
  // Works on `branch` from now on: checks it out, or creates it from HEAD when missing.
  virtual Status use_branch(const std::string& branch) = 0;
  // An id of the working tree's content (tracked and untracked, honouring .gitignore, never
  // .ralph/): equal ids mean no file changed.
  virtual Result<std::string> worktree_id() = 0;
  // Stages every change and commits it (no commit when nothing changed), in one walk of the
  // work tree; the index is written either way, so the next walk finds its stat cache warm.
  // Files that look like secrets are held back, unstaged, unless allowed.
  virtual Result<CommitResult> commit_all(const std::string& message) = 0;
  // The files commit_all would commit now (added, modified or deleted; never .ralph/ nor
  // held-back secrets), sorted. The index is left as it is.
  virtual Result<std::vector<std::string>> changed_files() = 0;
  // Commits reachable from `to` but not from `from` ("" = none), oldest first.
  virtual Result<std::vector<std::string>> commits_between(const std::string& from,
                                                           const std::string& to) = 0;

  // The branch HEAD is on ("main"), or "" when HEAD is detached.
  virtual Result<std::string> branch() = 0;
  // Whether the branch exists (an unborn one, HEAD's before the first commit, does not).
  virtual Result<bool> has_branch(const std::string& branch) = 0;
  // Whether `commit` is `branch`'s tip or one of its ancestors ("" = HEAD). False when the
  // branch does not exist.
  virtual Result<bool> contains(const std::string& branch, const std::string& commit) = 0;
  // Points HEAD back at `branch` without touching the work tree; the index becomes the
  // branch's tree, so what differs in the work tree shows as changes (as `git symbolic-ref
  // HEAD refs/heads/BRANCH && git reset` does). A missing branch is created at `base`; with
  // no base, HEAD points at it unborn and the index is left as it is.
  virtual Status attach_head(const std::string& branch, const std::string& base) = 0;
  // Creates or moves the reference `name` (e.g. "refs/ralph/RUN/3") to `commit`.
  virtual Status pin(const std::string& name, const std::string& commit) = 0;
};

}  // namespace ralph::git
