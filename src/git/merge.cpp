// Worktrees and merges for items run side by side: each item's iterations commit on a branch
// of their own in a linked worktree, and ralph alone brings those branches into the run's.
#include <fmt/format.h>

#include <algorithm>

#include "git/libgit2.hpp"
#include "git/repository.hpp"

namespace ralph::git {

namespace {

Result<CommitHandle> lookup_commit(git_repository* repo, const git_oid& id) {
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &id) != 0) {
    return git_failure(fmt::format("cannot read commit {}", oid_string(id)));
  }
  return CommitHandle(raw);
}

Result<TreeHandle> write_tree(git_repository* repo, git_index* index) {
  git_oid id;
  if (git_index_write_tree_to(&id, index, repo) != 0) return git_failure("cannot write a tree");
  git_tree* raw = nullptr;
  if (git_tree_lookup(&raw, repo, &id) != 0) return git_failure("cannot read a tree");
  return TreeHandle(raw);
}

std::vector<std::string> conflicting_paths(git_index* index) {
  std::vector<std::string> paths;
  git_index_conflict_iterator* raw = nullptr;
  if (git_index_conflict_iterator_new(&raw, index) != 0) return paths;
  const git_index_entry* ancestor = nullptr;
  const git_index_entry* ours = nullptr;
  const git_index_entry* theirs = nullptr;
  while (git_index_conflict_next(&ancestor, &ours, &theirs, raw) == 0) {
    const git_index_entry* any = ours != nullptr ? ours : theirs != nullptr ? theirs : ancestor;
    if (any != nullptr) paths.emplace_back(any->path);
  }
  git_index_conflict_iterator_free(raw);
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

// The commits of `source` that `onto` lacks, oldest first; false when one is a merge.
Result<bool> commits_to_replay(git_repository* repo, const git_oid& onto, const git_oid& source,
                               std::vector<git_oid>& commits) {
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, repo) != 0) return git_failure("cannot walk the history");
  RevwalkHandle walk(raw);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  if (git_revwalk_push(walk.get(), &source) != 0 || git_revwalk_hide(walk.get(), &onto) != 0) {
    return git_failure("cannot walk the history");
  }
  for (git_oid id; git_revwalk_next(&id, walk.get()) == 0;) {
    auto commit = lookup_commit(repo, id);
    if (!commit) return commit.error();
    if (git_commit_parentcount(commit->get()) != 1) return false;
    commits.push_back(id);
  }
  return true;
}

// Puts the paths `ours` in `index` as `tree` has them (or removes them when it lacks them), any
// conflict on them resolved so.
Status keep_ours(git_index* index, git_tree* tree, const std::vector<std::string>& ours) {
  for (const auto& path : ours) {
    (void)git_index_conflict_remove(index, path.c_str());  // none: nothing to resolve
    git_tree_entry* raw = nullptr;
    if (git_tree_entry_bypath(&raw, tree, path.c_str()) != 0) {
      (void)git_index_remove(index, path.c_str(), 0);  // absent in both: nothing to remove
      continue;
    }
    git_index_entry entry{};
    entry.mode = git_tree_entry_filemode(raw);
    entry.id = *git_tree_entry_id(raw);
    entry.path = path.c_str();
    const int added = git_index_add(index, &entry);
    git_tree_entry_free(raw);
    if (added != 0) return git_failure(fmt::format("cannot keep {} as it is", path));
  }
  return ok_status();
}

// Whether a replay of `commit` would change any of the paths `ours`.
bool touches(git_commit* commit, const std::vector<std::string>& ours) {
  if (ours.empty() || git_commit_parentcount(commit) != 1) return !ours.empty();
  git_tree* tree = nullptr;
  git_commit* parent = nullptr;
  git_tree* parent_tree = nullptr;
  bool changed = true;
  if (git_commit_tree(&tree, commit) == 0 && git_commit_parent(&parent, commit, 0) == 0 &&
      git_commit_tree(&parent_tree, parent) == 0) {
    changed = false;
    for (const auto& path : ours) {
      git_tree_entry* a = nullptr;
      git_tree_entry* b = nullptr;
      const bool in_a = git_tree_entry_bypath(&a, tree, path.c_str()) == 0;
      const bool in_b = git_tree_entry_bypath(&b, parent_tree, path.c_str()) == 0;
      if (in_a != in_b || (in_a && !git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b)))) {
        changed = true;
      }
      git_tree_entry_free(a);
      git_tree_entry_free(b);
    }
  }
  git_tree_free(parent_tree);
  git_commit_free(parent);
  git_tree_free(tree);
  return changed;
}

}  // namespace

Result<std::optional<std::string>> Repository::file_at(const std::string& commit,
                                                       const std::string& path) {
  git_oid id;
  if (git_oid_fromstr(&id, commit.c_str()) != 0) {
    return make_error(fmt::format("\"{}\" is not a commit id", commit));
  }
  auto found = lookup_commit(repo_, id);
  if (!found) return found.error();
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, found->get()) != 0) return git_failure("cannot read a tree");
  TreeHandle tree(raw_tree);
  git_tree_entry* raw_entry = nullptr;
  if (git_tree_entry_bypath(&raw_entry, tree.get(), path.c_str()) != 0) {
    return std::optional<std::string>();
  }
  git_blob* blob = nullptr;
  const int looked_up = git_blob_lookup(&blob, repo_, git_tree_entry_id(raw_entry));
  git_tree_entry_free(raw_entry);
  if (looked_up != 0) return git_failure(fmt::format("cannot read {} at {}", path, commit));
  std::string content(static_cast<const char*>(git_blob_rawcontent(blob)),
                      static_cast<size_t>(git_blob_rawsize(blob)));
  git_blob_free(blob);
  return std::optional<std::string>(std::move(content));
}

Status Repository::add_worktree(const std::string& name, const std::filesystem::path& path,
                                const std::string& branch, const std::string& base) {
  git_worktree* raw_existing = nullptr;
  if (git_worktree_lookup(&raw_existing, repo_, name.c_str()) == 0) {
    WorktreeHandle existing(raw_existing);
    std::error_code ec;
    if (git_worktree_validate(existing.get()) == 0) {
      if (std::filesystem::equivalent(git_worktree_path(existing.get()), path, ec)) {
        return ok_status();
      }
      return make_error(fmt::format("a worktree named {} already exists at {}", name,
                                    git_worktree_path(existing.get())));
    }
    // git's record of a worktree whose folder is gone (a crash, a folder removed by hand).
    git_worktree_prune_options prune;
    git_worktree_prune_options_init(&prune, GIT_WORKTREE_PRUNE_OPTIONS_VERSION);
    if (git_worktree_prune(existing.get(), &prune) != 0) {
      return git_failure(fmt::format("cannot prune the stale worktree {}", name));
    }
  }
  git_reference* raw_branch = nullptr;
  bool created = false;
  if (git_branch_lookup(&raw_branch, repo_, branch.c_str(), GIT_BRANCH_LOCAL) == 0) {
    if (git_branch_is_checked_out(raw_branch) == 1) {
      git_reference_free(raw_branch);
      return make_error(fmt::format("branch {} is checked out elsewhere", branch));
    }
  } else {
    git_oid base_id;
    if (git_oid_fromstr(&base_id, base.c_str()) != 0) {
      return make_error(fmt::format("\"{}\" is not a commit id", base));
    }
    auto base_commit = lookup_commit(repo_, base_id);
    if (!base_commit) return base_commit.error();
    if (git_branch_create(&raw_branch, repo_, branch.c_str(), base_commit->get(), 0) != 0) {
      return git_failure(fmt::format("cannot create branch {}", branch));
    }
    created = true;
  }
  RefHandle branch_ref(raw_branch);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  git_worktree_add_options options;
  git_worktree_add_options_init(&options, GIT_WORKTREE_ADD_OPTIONS_VERSION);
  options.ref = branch_ref.get();
  git_worktree* raw = nullptr;
  if (git_worktree_add(&raw, repo_, name.c_str(), path.c_str(), &options) != 0) {
    Error error = git_failure(fmt::format("cannot add worktree {} at {}", name, path.string()));
    if (created) git_branch_delete(branch_ref.get());  // nothing half-made is left
    return error;
  }
  git_worktree_free(raw);
  return ok_status();
}

Status Repository::remove_worktree(const std::string& name) {
  git_worktree* raw = nullptr;
  if (git_worktree_lookup(&raw, repo_, name.c_str()) != 0) {
    return git_failure(fmt::format("no worktree named {}", name));
  }
  WorktreeHandle worktree(raw);
  git_worktree_prune_options options;
  git_worktree_prune_options_init(&options, GIT_WORKTREE_PRUNE_OPTIONS_VERSION);
  options.flags = GIT_WORKTREE_PRUNE_VALID | GIT_WORKTREE_PRUNE_WORKING_TREE;
  if (git_worktree_prune(worktree.get(), &options) != 0) {
    return git_failure(fmt::format("cannot remove worktree {}", name));
  }
  return ok_status();
}

Result<MergeOutcome> Repository::merge_into_head(const std::string& source,
                                                 const std::string& message,
                                                 const std::vector<std::string>& kept_paths) {
  git_reference* raw_head = nullptr;
  if (git_repository_head(&raw_head, repo_) != 0) return git_failure("cannot read HEAD");
  RefHandle head_ref(raw_head);
  if (!git_reference_is_branch(head_ref.get())) {
    return make_error("HEAD is not on a branch: cannot merge into it");
  }
  git_oid head_id = *git_reference_target(head_ref.get());
  git_oid source_id;
  if (git_reference_name_to_id(&source_id, repo_, ("refs/heads/" + source).c_str()) != 0) {
    return git_failure(fmt::format("cannot read branch {}", source));
  }
  git_oid base_id;
  if (git_merge_base(&base_id, repo_, &head_id, &source_id) != 0) {
    return git_failure(fmt::format("{} shares no history with HEAD", source));
  }
  MergeOutcome outcome;
  outcome.commit = oid_string(head_id);
  if (git_oid_equal(&base_id, &source_id)) return outcome;  // up to date

  auto signature = commit_signature(repo_);
  if (!signature) return signature.error();
  git_oid result_id = source_id;
  outcome.kind = MergeKind::kFastForward;
  std::vector<git_oid> commits;
  auto linear = commits_to_replay(repo_, head_id, source_id, commits);
  if (!linear) return linear.error();
  // A fast-forward would bring in what `source` changed of the paths kept as HEAD has them.
  bool forward = git_oid_equal(&base_id, &head_id);
  for (size_t i = 0; forward && !kept_paths.empty() && i < commits.size(); ++i) {
    auto commit = lookup_commit(repo_, commits[i]);
    if (!commit) return commit.error();
    forward = !touches(commit->get(), kept_paths);
  }
  if (forward && !*linear && !kept_paths.empty()) forward = false;
  if (!forward) {
    // Replayed one by one, in memory: nothing is written unless every commit applies.
    auto onto = lookup_commit(repo_, head_id);
    if (!onto) return onto.error();
    CommitHandle tip = std::move(*onto);
    bool replayed = *linear;
    for (size_t i = 0; replayed && i < commits.size(); ++i) {
      auto commit = lookup_commit(repo_, commits[i]);
      if (!commit) return commit.error();
      git_index* raw_index = nullptr;
      if (git_cherrypick_commit(&raw_index, repo_, commit->get(), tip.get(), 0, nullptr) != 0) {
        return git_failure("cannot replay a commit");
      }
      IndexHandle index(raw_index);
      git_tree* raw_tip_tree = nullptr;
      if (git_commit_tree(&raw_tip_tree, tip.get()) != 0) return git_failure("cannot read a tree");
      TreeHandle tip_tree(raw_tip_tree);
      if (Status s = keep_ours(index.get(), tip_tree.get(), kept_paths); !s) return s.error();
      if (git_index_has_conflicts(index.get())) {
        replayed = false;
        break;
      }
      auto tree = write_tree(repo_, index.get());
      if (!tree) return tree.error();
      if (git_oid_equal(git_tree_id(tree->get()), git_tree_id(tip_tree.get()))) continue;
      const git_commit* parents[] = {tip.get()};
      git_oid id;
      if (git_commit_create(&id, repo_, nullptr, git_commit_author(commit->get()), signature->get(),
                            git_commit_message_encoding(commit->get()),
                            git_commit_message(commit->get()), tree->get(), 1, parents) != 0) {
        return git_failure("cannot write a replayed commit");
      }
      auto next = lookup_commit(repo_, id);
      if (!next) return next.error();
      tip = std::move(*next);
    }
    outcome.kind = MergeKind::kRebased;
    result_id = *git_commit_id(tip.get());
    if (replayed && git_oid_equal(&result_id, &head_id)) {
      outcome.kind = MergeKind::kUpToDate;  // it changed nothing but the paths left out
      return outcome;
    }
    if (!replayed) {
      auto ours = lookup_commit(repo_, head_id);
      auto theirs = lookup_commit(repo_, source_id);
      if (!ours) return ours.error();
      if (!theirs) return theirs.error();
      git_index* raw_index = nullptr;
      if (git_merge_commits(&raw_index, repo_, ours->get(), theirs->get(), nullptr) != 0) {
        return git_failure(fmt::format("cannot merge {}", source));
      }
      IndexHandle index(raw_index);
      git_tree* raw_ours_tree = nullptr;
      if (git_commit_tree(&raw_ours_tree, ours->get()) != 0) {
        return git_failure("cannot read a tree");
      }
      TreeHandle ours_tree(raw_ours_tree);
      if (Status s = keep_ours(index.get(), ours_tree.get(), kept_paths); !s) return s.error();
      if (git_index_has_conflicts(index.get())) {
        outcome.kind = MergeKind::kConflict;
        outcome.conflicts = conflicting_paths(index.get());
        return outcome;
      }
      auto tree = write_tree(repo_, index.get());
      if (!tree) return tree.error();
      const git_commit* parents[] = {ours->get(), theirs->get()};
      if (git_commit_create(&result_id, repo_, nullptr, signature->get(), signature->get(), nullptr,
                            message.c_str(), tree->get(), 2, parents) != 0) {
        return git_failure("cannot write the merge commit");
      }
      outcome.kind = MergeKind::kMergeCommit;
    }
  }

  // The work tree and the index move from HEAD's tree to the result's, then the branch does.
  git_object* raw_target = nullptr;
  if (git_object_lookup(&raw_target, repo_, &result_id, GIT_OBJECT_COMMIT) != 0) {
    return git_failure("cannot read the merged commit");
  }
  ObjectHandle target(raw_target);
  git_checkout_options checkout;
  git_checkout_options_init(&checkout, GIT_CHECKOUT_OPTIONS_VERSION);
  checkout.checkout_strategy = GIT_CHECKOUT_SAFE;
  if (git_checkout_tree(repo_, target.get(), &checkout) != 0) {
    return git_failure(fmt::format("cannot check out the merge of {}", source));
  }
  git_reference* raw_moved = nullptr;
  const std::string log = fmt::format("ralph: merge {}", source);
  if (git_reference_set_target(&raw_moved, head_ref.get(), &result_id, log.c_str()) != 0) {
    return git_failure("cannot move the branch to the merge");
  }
  git_reference_free(raw_moved);
  outcome.commit = oid_string(result_id);
  return outcome;
}

}  // namespace ralph::git
