#include "git/repository.hpp"

#include <git2.h>

#include <fmt/format.h>

#include <algorithm>

#include "git/libgit2.hpp"

namespace ralph::git {

namespace {

// libgit2 is initialised once for the life of the process. Its object cache keeps each tree
// and commit ralph writes (about 3 KiB an iteration) and is bounded only at 256 MiB, so a long
// run's memory grew with its iterations; with a small bound it stays flat, at no cost in time
// (README "Benchmarks": the soak).
constexpr ssize_t kObjectCacheBytes = 256 * 1024;

struct Libgit2 {
  Libgit2() {
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, kObjectCacheBytes);
  }
  ~Libgit2() { git_libgit2_shutdown(); }
};
void ensure_libgit2() {
  static Libgit2 instance;
}

}  // namespace

Error git_failure(const std::string& what) {
  const git_error* last = git_error_last();
  return make_error(fmt::format("{}: {}", what, last != nullptr ? last->message : "unknown error"));
}

Result<SignatureHandle> commit_signature(git_repository* repo) {
  git_signature* raw = nullptr;
  if (git_signature_default(&raw, repo) != 0 &&  // as configured_signature()
      git_signature_now(&raw, "ralph", "ralph@localhost") != 0) {
    return git_failure("cannot make a commit signature");
  }
  return SignatureHandle(raw);
}

std::string oid_string(const git_oid& oid) {
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof text, &oid);
  return text;
}

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
