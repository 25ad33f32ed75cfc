#include "git/repository.hpp"

#include <git2.h>

#include <fmt/format.h>

#include <algorithm>

namespace ralph::git {

namespace {

// libgit2 is initialised once for the life of the process.
struct Libgit2 {
  Libgit2() { git_libgit2_init(); }
  ~Libgit2() { git_libgit2_shutdown(); }
};
void ensure_libgit2() {
  static Libgit2 instance;
}

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

Error git_failure(const std::string& what) {
  const git_error* last = git_error_last();
  return make_error(fmt::format("{}: {}", what, last != nullptr ? last->message : "unknown error"));
}

std::string oid_string(const git_oid& oid) {
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof text, &oid);
  return text;
}

// What stage_all leaves out: .ralph/ always, secret-looking files unless allowed.
struct StageFilter {
  const SecretFilePolicy* secrets = nullptr;
  std::vector<std::string> held_back;
};

int filter_path(const char* path, const char*, void* payload) {
  if (is_ralph_private(path)) return 1;
  auto* filter = static_cast<StageFilter*>(payload);
  if (filter->secrets != nullptr && filter->secrets->blocks(path)) {
    if (std::find(filter->held_back.begin(), filter->held_back.end(), path) ==
        filter->held_back.end()) {
      filter->held_back.push_back(path);
    }
    return 1;
  }
  return 0;
}

// Stages every change of the work tree into `index` (in memory), as `git add -A` does, in one
// walk: a diff of the index against the work tree (untracked files included, ignored ones
// not), then each changed path added or removed. The diff refreshes the stat data of files
// that turn out unchanged, so a written index spares the next walk from hashing them.
Status stage_all(git_repository* repo, git_index* index, StageFilter& filter) {
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
                  GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_UPDATE_INDEX;
  git_diff* raw_diff = nullptr;
  if (git_diff_index_to_workdir(&raw_diff, repo, index, &options) != 0) {
    return git_failure("cannot compare the work tree with the index");
  }
  std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>> diff(raw_diff);
  for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
    std::string_view named =
        delta->status == GIT_DELTA_DELETED ? delta->old_file.path : delta->new_file.path;
    // An untracked folder the diff does not enter (a repository of its own) is named with a
    // trailing slash; staged by its name, as a link to its commit.
    if (named.size() > 1 && named.back() == '/') named.remove_suffix(1);
    const std::string owned(named);
    const char* path = owned.c_str();
    if (filter_path(path, nullptr, &filter) != 0) continue;
    if (delta->status == GIT_DELTA_DELETED) {
      if (git_index_remove_bypath(index, path) != 0) {
        return git_failure(fmt::format("cannot stage the removal of {}", path));
      }
    } else if (git_index_add_bypath(index, path) != 0) {
      return git_failure(fmt::format("cannot stage {}", path));
    }
  }
  return ok_status();
}

// The commit `id` and its tree; both stay empty when `id` is "" (no commit yet).
Status read_commit(git_repository* repo, const std::string& id, CommitHandle& commit,
                   TreeHandle& tree) {
  if (id.empty()) return ok_status();
  git_oid oid;
  git_oid_fromstr(&oid, id.c_str());
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo, &oid) != 0) {
    return git_failure("cannot read the HEAD commit");
  }
  commit.reset(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit.get()) != 0)
    return git_failure("cannot read the HEAD tree");
  tree.reset(raw_tree);
  return ok_status();
}

}  // namespace

bool is_ralph_private(const std::string& path) {
  return path == ".ralph" || path.rfind(".ralph/", 0) == 0;
}

Result<std::unique_ptr<Repository>> Repository::open(const std::filesystem::path& path) {
  ensure_libgit2();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), 0, nullptr) != 0) {
    return git_failure(
        fmt::format("{} is not inside a git repository (run `git init` first)", path.string()));
  }
  if (git_repository_is_bare(repo)) {
    git_repository_free(repo);
    return make_error(
        fmt::format("{} is a bare repository: ralph needs a work tree", path.string()));
  }
  return std::unique_ptr<Repository>(new Repository(repo));
}

Repository::~Repository() {
  git_repository_free(repo_);
}

std::filesystem::path Repository::workdir() const {
  return std::filesystem::path(git_repository_workdir(repo_)).lexically_normal();
}

std::optional<Signature> Repository::configured_signature() const {
  git_signature* raw = nullptr;
  if (git_signature_default(&raw, repo_) != 0) return std::nullopt;
  SignatureHandle signature(raw);
  return Signature{signature->name, signature->email};
}

Result<std::string> Repository::head() {
  git_oid oid;
  int rc = git_reference_name_to_id(&oid, repo_, "HEAD");
  if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) return std::string();
  if (rc != 0) return git_failure("cannot read HEAD");
  return oid_string(oid);
}

Status Repository::use_branch(const std::string& branch) {
  std::string ref_name = "refs/heads/" + branch;
  if (!git_reference_is_valid_name(ref_name.c_str())) {
    return make_error(fmt::format("\"{}\" is not a valid branch name", branch));
  }
  git_reference* raw_head = nullptr;
  if (git_repository_head(&raw_head, repo_) == 0) {
    RefHandle head(raw_head);
    if (ref_name == git_reference_name(head.get())) return ok_status();
  }
  git_reference* raw = nullptr;
  int rc = git_branch_lookup(&raw, repo_, branch.c_str(), GIT_BRANCH_LOCAL);
  if (rc == GIT_ENOTFOUND) {
    auto head_id = head();
    if (!head_id) return head_id.error();
    if (!head_id->empty()) {  // create the branch at HEAD; the work tree stays as it is
      git_oid oid;
      git_oid_fromstr(&oid, head_id->c_str());
      git_commit* raw_commit = nullptr;
      if (git_commit_lookup(&raw_commit, repo_, &oid) != 0) {
        return git_failure("cannot read the HEAD commit");
      }
      CommitHandle commit(raw_commit);
      git_reference* raw_created = nullptr;
      if (git_branch_create(&raw_created, repo_, branch.c_str(), commit.get(), 0) != 0) {
        return git_failure(fmt::format("cannot create branch {}", branch));
      }
      RefHandle created(raw_created);
    }
  } else if (rc != 0) {
    return git_failure(fmt::format("cannot look up branch {}", branch));
  } else {
    RefHandle existing(raw);
    git_object* target = nullptr;
    if (git_reference_peel(&target, existing.get(), GIT_OBJECT_COMMIT) != 0) {
      return git_failure(fmt::format("cannot read branch {}", branch));
    }
    git_checkout_options options;
    git_checkout_options_init(&options, GIT_CHECKOUT_OPTIONS_VERSION);
    options.checkout_strategy = GIT_CHECKOUT_SAFE;
    rc = git_checkout_tree(repo_, target, &options);
    git_object_free(target);
    if (rc != 0) {
      return git_failure(
          fmt::format("cannot check out branch {} (commit or stash your "
                      "changes first)",
                      branch));
    }
  }
  if (git_repository_set_head(repo_, ref_name.c_str()) != 0) {
    return git_failure(fmt::format("cannot switch to branch {}", branch));
  }
  return ok_status();
}

Result<std::string> Repository::worktree_id() {
  git_index* raw = nullptr;
  if (git_repository_index(&raw, repo_) != 0) return git_failure("cannot open the index");
  IndexHandle index(raw);
  if (git_index_read(index.get(), 1) != 0) return git_failure("cannot read the index");
  StageFilter filter{&secrets_, {}};
  if (Status s = stage_all(repo_, index.get(), filter); !s) return s.error();
  git_oid tree;
  int rc = git_index_write_tree(&tree, index.get());
  git_index_read(index.get(), 1);  // drop the in-memory staging; the index file is untouched
  if (rc != 0) return git_failure("cannot hash the work tree");
  return oid_string(tree);
}

Result<CommitResult> Repository::commit_all(const std::string& message) {
  CommitResult result;
  git_index* raw_index = nullptr;
  if (git_repository_index(&raw_index, repo_) != 0) return git_failure("cannot open the index");
  IndexHandle index(raw_index);
  if (git_index_read(index.get(), 1) != 0) return git_failure("cannot read the index");
  StageFilter filter{&secrets_, {}};
  if (Status s = stage_all(repo_, index.get(), filter); !s) return s.error();
  result.held_back = filter.held_back;

  auto head_id = head();
  if (!head_id) return head_id.error();
  CommitHandle parent;
  TreeHandle head_tree;
  if (Status s = read_commit(repo_, *head_id, parent, head_tree); !s) return s.error();
  if (content_check_) {
    if (Status s = hold_back_secret_contents(index.get(), head_tree.get(), result.held_back); !s) {
      return s.error();
    }
  }
  git_oid tree_id;
  if (git_index_write_tree(&tree_id, index.get()) != 0) {
    return git_failure("cannot write the tree");
  }
  result.tree = oid_string(tree_id);
  if (head_id->empty() && git_index_entrycount(index.get()) == 0) {
    return result;  // a new repository and still no file
  }
  if (parent && git_oid_equal(git_commit_tree_id(parent.get()), &tree_id)) {
    // Nothing changed: no empty commit. The index holds HEAD's tree with fresh stat data;
    // writing it keeps racily-clean entries from being hashed again at every walk. A lock
    // held by someone else only costs that.
    (void)git_index_write(index.get());
    return result;
  }
  if (git_index_write(index.get()) != 0) {
    Error error = git_failure("cannot write the index");
    std::filesystem::path lock = std::filesystem::path(git_repository_path(repo_)) / "index.lock";
    std::error_code ec;
    if (std::filesystem::exists(lock, ec)) {
      error.message += fmt::format(" ({} exists: if no git command is running, remove it)",
                                   lock.lexically_normal().string());
    }
    return error;
  }

  git_tree* raw_tree = nullptr;
  if (git_tree_lookup(&raw_tree, repo_, &tree_id) != 0) return git_failure("cannot read the tree");
  TreeHandle tree(raw_tree);
  git_signature* raw_signature = nullptr;
  if (git_signature_default(&raw_signature, repo_) != 0 &&  // as configured_signature()
      git_signature_now(&raw_signature, "ralph", "ralph@localhost") != 0) {
    return git_failure("cannot make a commit signature");
  }
  SignatureHandle signature(raw_signature);
  const git_commit* parents[] = {parent.get()};
  git_oid commit_id;
  if (git_commit_create(&commit_id, repo_, "HEAD", signature.get(), signature.get(), nullptr,
                        message.c_str(), tree.get(), parent ? 1 : 0, parents) != 0) {
    return git_failure("cannot create the commit");
  }
  result.commit = oid_string(commit_id);
  return result;
}

Result<std::vector<std::string>> Repository::changed_files() {
  git_index* raw_index = nullptr;
  if (git_repository_index(&raw_index, repo_) != 0) return git_failure("cannot open the index");
  IndexHandle index(raw_index);
  if (git_index_read(index.get(), 1) != 0) return git_failure("cannot read the index");
  // Staged in memory as commit_all would, then compared with HEAD; the index file is untouched.
  auto files = [&]() -> Result<std::vector<std::string>> {
    StageFilter filter{&secrets_, {}};
    if (Status s = stage_all(repo_, index.get(), filter); !s) return s.error();
    auto head_id = head();
    if (!head_id) return head_id.error();
    CommitHandle commit;
    TreeHandle head_tree;
    if (Status s = read_commit(repo_, *head_id, commit, head_tree); !s) return s.error();
    std::vector<std::string> held_back;
    if (content_check_) {
      if (Status s = hold_back_secret_contents(index.get(), head_tree.get(), held_back); !s) {
        return s.error();
      }
    }
    git_diff* raw_diff = nullptr;
    if (git_diff_tree_to_index(&raw_diff, repo_, head_tree.get(), index.get(), nullptr) != 0) {
      return git_failure("cannot compare the work tree with HEAD");
    }
    std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>> diff(raw_diff);
    std::vector<std::string> paths;
    for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
      const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
      paths.emplace_back(delta->status == GIT_DELTA_DELETED ? delta->old_file.path
                                                            : delta->new_file.path);
    }
    std::sort(paths.begin(), paths.end());
    return paths;
  }();
  git_index_read(index.get(), 1);  // drop the in-memory staging
  return files;
}

Status Repository::hold_back_secret_contents(git_index* index, git_tree* head_tree,
                                             std::vector<std::string>& held_back) {
  git_diff* raw_diff = nullptr;
  if (git_diff_tree_to_index(&raw_diff, repo_, head_tree, index, nullptr) != 0) {
    return git_failure("cannot compare the staged changes with HEAD");
  }
  std::unique_ptr<git_diff, Deleter<git_diff, git_diff_free>> diff(raw_diff);
  std::vector<std::string> offending;
  for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
    if (delta->status != GIT_DELTA_ADDED && delta->status != GIT_DELTA_MODIFIED) continue;
    const char* path = delta->new_file.path;
    if (secrets_.allows(path)) continue;
    git_blob* raw_blob = nullptr;
    if (git_blob_lookup(&raw_blob, repo_, &delta->new_file.id) != 0) continue;
    std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>> blob(raw_blob);
    std::string_view content(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                             static_cast<size_t>(git_blob_rawsize(blob.get())));
    if (content_check_(content)) offending.push_back(path);
  }
  for (const auto& path : offending) {
    // Back to what HEAD has (or out of the index for a new file): the change stays in the
    // work tree only.
    if (git_index_remove_bypath(index, path.c_str()) != 0) {
      return git_failure("cannot unstage " + path);
    }
    git_tree_entry* raw_entry = nullptr;
    if (head_tree != nullptr && git_tree_entry_bypath(&raw_entry, head_tree, path.c_str()) == 0) {
      std::unique_ptr<git_tree_entry, Deleter<git_tree_entry, git_tree_entry_free>> entry(
          raw_entry);
      git_index_entry restored{};
      restored.mode = git_tree_entry_filemode(entry.get());
      restored.id = *git_tree_entry_id(entry.get());
      restored.path = path.c_str();
      if (git_index_add(index, &restored) != 0) return git_failure("cannot unstage " + path);
    }
    held_back.push_back(path + " (its content holds a secret)");
  }
  return ok_status();
}

Result<std::vector<std::string>> Repository::commits_between(const std::string& from,
                                                             const std::string& to) {
  std::vector<std::string> commits;
  if (to.empty() || from == to) return commits;
  git_revwalk* raw = nullptr;
  if (git_revwalk_new(&raw, repo_) != 0) return git_failure("cannot walk the history");
  RevwalkHandle walk(raw);
  git_revwalk_sorting(walk.get(), GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  git_oid oid;
  git_oid_fromstr(&oid, to.c_str());
  if (git_revwalk_push(walk.get(), &oid) != 0) return git_failure("cannot walk the history");
  if (!from.empty()) {
    git_oid_fromstr(&oid, from.c_str());
    if (git_revwalk_hide(walk.get(), &oid) != 0) return git_failure("cannot walk the history");
  }
  while (git_revwalk_next(&oid, walk.get()) == 0) commits.push_back(oid_string(oid));
  return commits;
}

Result<std::string> Repository::branch() {
  git_reference* raw = nullptr;
  int rc = git_reference_lookup(&raw, repo_, "HEAD");
  if (rc != 0) return git_failure("cannot read HEAD");
  RefHandle head(raw);
  if (git_reference_type(head.get()) != GIT_REFERENCE_SYMBOLIC) return std::string();
  std::string target = git_reference_symbolic_target(head.get());
  const std::string prefix = "refs/heads/";
  return target.rfind(prefix, 0) == 0 ? target.substr(prefix.size()) : std::string();
}

namespace {

// The commit a branch ("" = HEAD) points at; nullopt when it does not exist (or is unborn).
Result<std::optional<git_oid>> tip_of(git_repository* repo, const std::string& branch) {
  git_oid oid;
  const std::string name = branch.empty() ? "HEAD" : "refs/heads/" + branch;
  int rc = git_reference_name_to_id(&oid, repo, name.c_str());
  if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH) return std::optional<git_oid>();
  if (rc != 0) return git_failure(fmt::format("cannot read {}", name));
  return std::optional<git_oid>(oid);
}

}  // namespace

Result<bool> Repository::contains(const std::string& branch, const std::string& commit) {
  auto tip = tip_of(repo_, branch);
  if (!tip) return tip.error();
  git_oid wanted;
  if (!*tip || git_oid_fromstr(&wanted, commit.c_str()) != 0) return false;
  if (git_oid_equal(&**tip, &wanted)) return true;
  // 1: an ancestor; 0: not; an error when `commit` is gone from the object store.
  return git_graph_descendant_of(repo_, &**tip, &wanted) == 1;
}

Result<bool> Repository::has_branch(const std::string& branch) {
  auto tip = tip_of(repo_, branch);
  if (!tip) return tip.error();
  return tip->has_value();
}

Status Repository::attach_head(const std::string& branch, const std::string& base) {
  const std::string ref_name = "refs/heads/" + branch;
  auto tip = tip_of(repo_, branch);
  if (!tip) return tip.error();
  git_oid target;
  if (*tip) {
    target = **tip;
  } else if (base.empty()) {
    // Unborn (no commit on it yet): HEAD points at it, and the next commit starts it.
    if (git_repository_set_head(repo_, ref_name.c_str()) != 0) {
      return git_failure(fmt::format("cannot point HEAD at branch {}", branch));
    }
    return ok_status();
  } else {
    if (git_oid_fromstr(&target, base.c_str()) != 0) {
      return make_error(
          fmt::format("cannot recreate branch {} at \"{}\": not a commit id", branch, base));
    }
    git_reference* raw_created = nullptr;
    if (git_reference_create(&raw_created, repo_, ref_name.c_str(), &target, 0,
                             "ralph: recreate the run's branch") != 0) {
      return git_failure(fmt::format("cannot recreate branch {}", branch));
    }
    RefHandle created(raw_created);
  }
  if (git_repository_set_head(repo_, ref_name.c_str()) != 0) {
    return git_failure(fmt::format("cannot point HEAD at branch {}", branch));
  }
  // The index becomes the branch's tree; the work tree is left as it is.
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo_, &target) != 0) {
    return git_failure(fmt::format("cannot read the tip of {}", branch));
  }
  CommitHandle commit(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit.get()) != 0) {
    return git_failure(fmt::format("cannot read the tree of {}", branch));
  }
  TreeHandle tree(raw_tree);
  git_index* raw_index = nullptr;
  if (git_repository_index(&raw_index, repo_) != 0) return git_failure("cannot open the index");
  IndexHandle index(raw_index);
  if (git_index_read_tree(index.get(), tree.get()) != 0 || git_index_write(index.get()) != 0) {
    return git_failure("cannot reset the index to the branch");
  }
  return ok_status();
}

Status Repository::pin(const std::string& name, const std::string& commit) {
  git_oid oid;
  if (git_oid_fromstr(&oid, commit.c_str()) != 0) {
    return make_error(fmt::format("cannot pin {}: \"{}\" is not a commit id", name, commit));
  }
  git_reference* raw = nullptr;
  if (git_reference_create(&raw, repo_, name.c_str(), &oid, /*force=*/1,
                           "ralph: pin the iteration's commit") != 0) {
    return git_failure(fmt::format("cannot create {}", name));
  }
  RefHandle pinned(raw);
  return ok_status();
}

}  // namespace ralph::git
