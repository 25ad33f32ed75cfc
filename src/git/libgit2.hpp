// libgit2's handles and errors as git/ uses them (not part of its interface).
#pragma once

#include <git2.h>

#include <memory>
#include <string>

#include "util/result.hpp"

namespace ralph::git {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

using IndexHandle = Handle<git_index, git_index_free>;
using TreeHandle = Handle<git_tree, git_tree_free>;
using CommitHandle = Handle<git_commit, git_commit_free>;
using RefHandle = Handle<git_reference, git_reference_free>;
using SignatureHandle = Handle<git_signature, git_signature_free>;
using RevwalkHandle = Handle<git_revwalk, git_revwalk_free>;
using DiffHandle = Handle<git_diff, git_diff_free>;

using ObjectHandle = Handle<git_object, git_object_free>;
using WorktreeHandle = Handle<git_worktree, git_worktree_free>;

// The signature of ralph's commits: git config's author (user.name, user.email), else
// `ralph <ralph@localhost>`; now.
Result<SignatureHandle> commit_signature(git_repository* repo);

// `what` and libgit2's last error message.
Error git_failure(const std::string& what);
std::string oid_string(const git_oid& oid);

}  // namespace ralph::git
