// Staging the work tree: commit_all, worktree_id and changed_files, by a walk of the whole
// tree or of the paths the watch saw change (README "Commits").
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "git/libgit2.hpp"
#include "git/repository.hpp"

namespace ralph::git {

// What stage_all leaves out: .ralph/ always, secret-looking files unless allowed. It also
// collects the paths that differed from the index (`differing`, never .ralph/).
struct StageFilter {
  explicit StageFilter(const SecretFilePolicy* policy) : secrets(policy) {}
  const SecretFilePolicy* secrets;
  std::vector<std::string> held_back;
  std::optional<std::vector<std::string>> only;  // compare these paths only (the watch's)
  std::vector<std::string> differing;
};

namespace {

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
// With `filter.only`, the diff is limited to those paths (a folder: all below it), matched as
// names rather than patterns, and libgit2 reads only the folders on their way.
Status stage_all(git_repository* repo, git_index* index, StageFilter& filter) {
  git_diff_options options = GIT_DIFF_OPTIONS_INIT;
  options.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS |
                  GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_UPDATE_INDEX;
  std::vector<char*> names;
  if (filter.only) {
    if (filter.only->empty()) return ok_status();
    for (const auto& path : *filter.only) names.push_back(const_cast<char*>(path.c_str()));
    options.pathspec.strings = names.data();
    options.pathspec.count = names.size();
    options.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;
  }
  git_diff* raw_diff = nullptr;
  if (git_diff_index_to_workdir(&raw_diff, repo, index, &options) != 0) {
    return git_failure("cannot compare the work tree with the index");
  }
  DiffHandle diff(raw_diff);
  for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
    std::string_view named =
        delta->status == GIT_DELTA_DELETED ? delta->old_file.path : delta->new_file.path;
    // An untracked folder the diff does not enter (a repository of its own) is named with a
    // trailing slash; staged by its name, as a link to its commit.
    if (named.size() > 1 && named.back() == '/') named.remove_suffix(1);
    const std::string owned(named);
    const char* path = owned.c_str();
    if (!is_ralph_private(owned)) filter.differing.push_back(owned);
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

Result<IndexHandle> open_index(git_repository* repo) {
  git_index* raw = nullptr;
  if (git_repository_index(&raw, repo) != 0) return git_failure("cannot open the index");
  return IndexHandle(raw);
}

// `paths` sorted, without duplicates, and none below another.
void tidy(std::vector<std::string>& paths) {
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  std::vector<std::string> kept;
  for (auto& path : paths) {
    bool below = false;
    for (size_t slash = path.find('/'); slash != std::string::npos && !below;
         slash = path.find('/', slash + 1)) {
      below = std::binary_search(paths.begin(), paths.end(), path.substr(0, slash));
    }
    if (!below) kept.push_back(path);
  }
  paths = std::move(kept);
}

}  // namespace

void Repository::watch_worktree(std::function<void(std::string_view)> debug) {
  debug_ = std::move(debug);
  stamp_.reset();
  watch_ = WorktreeWatch::start(workdir(), [this](const std::string& dir) {
    if (dir == ".git" || is_ralph_private(dir)) return true;
    // An ignored folder matters only for the files in it the index tracks.
    const std::string folder = dir + "/";
    int ignored = 0;
    if (git_ignore_path_is_ignored(&ignored, repo_, folder.c_str()) != 0 || ignored == 0) {
      return false;
    }
    auto index = open_index(repo_);
    size_t at = 0;
    return index && git_index_find_prefix(&at, index->get(), folder.c_str()) == GIT_ENOTFOUND;
  });
}

Repository::Stamp Repository::read_stamp() {
  Stamp stamp;
  auto head_id = head();
  stamp.head = head_id ? *head_id : "?";
  const std::string path = std::string(git_repository_path(repo_)) + "index";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return stamp;
  char tail[32] = {};
  ssize_t got = 0;
  if (int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    off_t from = st.st_size > 32 ? st.st_size - 32 : 0;
    got = ::pread(fd, tail, sizeof tail, from);
    ::close(fd);
  }
  stamp.index =
      fmt::format("{}:{}:{}:{}.{}:{}.{}:", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                  st.st_mtim.tv_nsec, st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
  if (got > 0) stamp.index.append(tail, static_cast<size_t>(got));
  return stamp;
}

void Repository::plan_staging(StageFilter& filter) {
  if (!watch_) return;
  WatchedChanges changes = watch_->take();
  std::string reason = changes.reason;
  if (changes.exact && !stamp_) {
    reason = "the first staging since the watch started";
  } else if (changes.exact && *stamp_ != read_stamp()) {
    reason = "the index or HEAD changed outside ralph";
    watch_->restart();  // what it skipped may hold tracked files now
  }
  stamp_.reset();  // until this staging went through
  if (!reason.empty()) {
    if (debug_) debug_(fmt::format("staging walks the whole work tree: {}", reason));
    return;
  }
  changes.paths.insert(changes.paths.end(), carry_.begin(), carry_.end());
  tidy(changes.paths);
  filter.only = std::move(changes.paths);
}

Status Repository::stage(git_index* index, StageFilter& filter) {
  if (git_index_read(index, 1) != 0) return git_failure("cannot read the index");
  plan_staging(filter);
  if (Status s = stage_all(repo_, index, filter); !s) {
    git_index_read(index, 1);  // drop what was staged before the failure
    return s;
  }
  return ok_status();
}

void Repository::finish_staging(const StageFilter& filter) {
  if (!watch_) return;
  carry_ = filter.differing;
  stamp_ = read_stamp();
}

Result<std::string> Repository::worktree_id() {
  auto index = open_index(repo_);
  if (!index) return index.error();
  StageFilter filter(&secrets_);
  if (Status s = stage(index->get(), filter); !s) return s.error();
  git_oid tree;
  int rc = git_index_write_tree(&tree, index->get());
  git_index_read(index->get(), 1);  // drop the in-memory staging; the index file is untouched
  if (rc != 0) return git_failure("cannot hash the work tree");
  finish_staging(filter);
  return oid_string(tree);
}

Result<CommitResult> Repository::commit_all(const std::string& message) {
  CommitResult result;
  auto index = open_index(repo_);
  if (!index) return index.error();
  StageFilter filter(&secrets_);
  if (Status s = stage(index->get(), filter); !s) return s.error();
  result.held_back = filter.held_back;

  auto head_id = head();
  if (!head_id) return head_id.error();
  CommitHandle parent;
  TreeHandle head_tree;
  if (Status s = read_commit(repo_, *head_id, parent, head_tree); !s) return s.error();
  if (content_check_) {
    if (Status s = hold_back_secret_contents(index->get(), head_tree.get(), result.held_back); !s) {
      return s.error();
    }
  }
  git_oid tree_id;
  if (git_index_write_tree(&tree_id, index->get()) != 0) {
    return git_failure("cannot write the tree");
  }
  result.tree = oid_string(tree_id);
  if (head_id->empty() && git_index_entrycount(index->get()) == 0) {
    finish_staging(filter);
    return result;  // a new repository and still no file
  }
  if (parent && git_oid_equal(git_commit_tree_id(parent.get()), &tree_id)) {
    // Nothing changed: no empty commit. The index holds HEAD's tree with fresh stat data;
    // writing it keeps racily-clean entries from being hashed again at every walk. A lock
    // held by someone else only costs that.
    (void)git_index_write(index->get());
    finish_staging(filter);
    return result;
  }
  if (git_index_write(index->get()) != 0) {
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
  auto signature = commit_signature(repo_);
  if (!signature) return signature.error();
  const git_commit* parents[] = {parent.get()};
  git_oid commit_id;
  if (git_commit_create(&commit_id, repo_, "HEAD", signature->get(), signature->get(), nullptr,
                        message.c_str(), tree.get(), parent ? 1 : 0, parents) != 0) {
    return git_failure("cannot create the commit");
  }
  result.commit = oid_string(commit_id);
  finish_staging(filter);  // after the commit: HEAD is part of what the next staging checks
  return result;
}

Result<std::vector<std::string>> Repository::changed_files() {
  // Staged in memory as commit_all would, then compared with HEAD; the index file is untouched.
  auto index = open_index(repo_);
  if (!index) return index.error();
  StageFilter filter(&secrets_);
  if (Status s = stage(index->get(), filter); !s) return s.error();
  finish_staging(filter);  // the index file is left as it was: all that differed still does
  auto files = [&]() -> Result<std::vector<std::string>> {
    auto head_id = head();
    if (!head_id) return head_id.error();
    CommitHandle commit;
    TreeHandle head_tree;
    if (Status s = read_commit(repo_, *head_id, commit, head_tree); !s) return s.error();
    std::vector<std::string> held_back;
    if (content_check_) {
      if (Status s = hold_back_secret_contents(index->get(), head_tree.get(), held_back); !s) {
        return s.error();
      }
    }
    git_diff* raw_diff = nullptr;
    if (git_diff_tree_to_index(&raw_diff, repo_, head_tree.get(), index->get(), nullptr) != 0) {
      return git_failure("cannot compare the work tree with HEAD");
    }
    DiffHandle diff(raw_diff);
    std::vector<std::string> paths;
    for (size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
      const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
      paths.emplace_back(delta->status == GIT_DELTA_DELETED ? delta->old_file.path
                                                            : delta->new_file.path);
    }
    std::sort(paths.begin(), paths.end());
    return paths;
  }();
  git_index_read(index->get(), 1);  // drop the in-memory staging
  return files;
}

Status Repository::hold_back_secret_contents(git_index* index, git_tree* head_tree,
                                             std::vector<std::string>& held_back) {
  git_diff* raw_diff = nullptr;
  if (git_diff_tree_to_index(&raw_diff, repo_, head_tree, index, nullptr) != 0) {
    return git_failure("cannot compare the staged changes with HEAD");
  }
  DiffHandle diff(raw_diff);
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

}  // namespace ralph::git
