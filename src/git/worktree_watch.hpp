// Which paths of the work tree changed since the last look, as inotify saw them, so staging
// can compare only those with the index instead of walking the whole tree.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ralph::git {

struct WatchedChanges {
  // False when the watch cannot vouch for the list: then the whole work tree must be walked.
  bool exact = false;
  std::string reason;  // why not exact ("the watch overflowed"), for the debug line
  // Paths relative to the work tree, sorted, none below another: a directory stands for
  // everything in it (made, moved or removed as a whole).
  std::vector<std::string> paths;
};

class WorktreeWatch {
 public:
  // Whether a directory (relative path) need not be watched: .git, .ralph, ignored folders
  // without a tracked file. Asked from the calling thread only, while watches are set up.
  using SkipDir = std::function<bool(const std::string& dir)>;

  // Starts watching every directory under `workdir` that `skip` does not skip. A watch that
  // could not start (no inotify, the watch limit) still exists: every take() says why it is
  // not exact.
  static std::unique_ptr<WorktreeWatch> start(const std::filesystem::path& workdir, SkipDir skip);
  virtual ~WorktreeWatch() = default;

  // What changed since start() or the last take(), and forgets it. After an inexact answer
  // the watch starts afresh (call it before walking the tree, so what changes during the
  // walk is seen), unless the reason is one that starting again cannot cure.
  virtual WatchedChanges take() = 0;
  // Forgets everything and sets the watches up again (asking `skip` afresh).
  virtual void restart() = 0;
};

}  // namespace ralph::git
