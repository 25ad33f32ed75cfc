#include "git/worktree_watch.hpp"

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "util/fd.hpp"

namespace ralph::git {

namespace {

constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB |
                           IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                           IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;
// Past this many listed paths the list costs more than it saves; the tree is walked instead.
constexpr size_t kMaxPaths = 100000;

std::string join(const std::string& dir, std::string_view name) {
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

std::string watch_limit_reason() {
  std::string limit = "?";
  if (FILE* f = std::fopen("/proc/sys/fs/inotify/max_user_watches", "r")) {
    char text[32] = {};
    if (std::fgets(text, sizeof text, f) != nullptr)
      limit = std::string(text, std::strcspn(text, "\n"));
    std::fclose(f);
  }
  return fmt::format("the watch limit was reached (fs.inotify.max_user_watches = {})", limit);
}

class InotifyWatch final : public WorktreeWatch {
 public:
  InotifyWatch(std::filesystem::path workdir, SkipDir skip)
      : root_(std::move(workdir)), skip_(std::move(skip)) {
    begin();
  }
  ~InotifyWatch() override { end(); }

  WatchedChanges take() override {
    WatchedChanges changes;
    {
      std::lock_guard lock(mutex_);
      if (fd_.valid()) drain();  // the events of every change made so far
      if (reason_.empty()) {
        changes.exact = true;
        for (const auto& path : dirty_) {
          if (!has_dirty_ancestor(path)) changes.paths.push_back(path);
        }
        dirty_.clear();
        // A folder moved away before this take and arriving after it is taken for one moved
        // in from outside (a walk): forgetting the cookies keeps them from piling up.
        moves_.clear();
        return changes;
      }
      changes.reason = reason_;
      if (permanent_) return changes;
    }
    restart();
    return changes;
  }

  void restart() override {
    end();
    begin();
  }

 private:
  // Sets up the watches from the calling thread, then starts the reader.
  void begin() {
    dirty_.clear();
    reason_.clear();
    moves_.clear();
    dirs_.clear();
    fd_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd_.valid()) {
      reason_ = fmt::format("inotify is not available ({})", std::strerror(errno));
      permanent_ = true;
      return;
    }
    stop_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!stop_.valid()) {
      reason_ = fmt::format("cannot make an eventfd ({})", std::strerror(errno));
      permanent_ = true;
      fd_.reset();
      return;
    }
    add_tree("", true);
    if (permanent_) return;
    // The reader takes no signal: they stay the loop's, delivered to the thread that waits.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    reader_ = std::thread([this] { read_events(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }

  void end() {
    if (reader_.joinable()) {
      uint64_t one = 1;
      (void)!::write(stop_.get(), &one, sizeof one);
      reader_.join();
    }
    fd_.reset();
    stop_.reset();
  }

  // Watches `dir` and every folder below it. `initial`: set up from the calling thread, which
  // may ask skip_; the reader thread may not (it only skips .git and .ralph). Called with
  // mutex_ held, or before the reader runs.
  void add_tree(const std::string& dir, bool initial) {
    const std::filesystem::path full = dir.empty() ? root_ : root_ / dir;
    int wd = ::inotify_add_watch(fd_.get(), full.c_str(), kMask);
    if (wd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) return;  // gone again: its removal is seen
      if (errno == ENOSPC) {
        reason_ = watch_limit_reason();
        permanent_ = true;
      } else {
        set_inexact(
            fmt::format("cannot watch {} ({})", dir.empty() ? "." : dir, std::strerror(errno)));
      }
      return;
    }
    dirs_[wd] = dir;  // a folder moved within the tree keeps its watch: this renames it
    DIR* stream = ::opendir(full.c_str());
    if (stream == nullptr) return;
    std::vector<std::string> subdirs;
    while (dirent* entry = ::readdir(stream)) {
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      if (name == ".git") {
        if (!dir.empty()) set_inexact(fmt::format("{} is a repository of its own", dir));
        continue;
      }
      bool is_dir = entry->d_type == DT_DIR;
      if (entry->d_type == DT_UNKNOWN) {
        struct stat st {};
        is_dir = ::lstat((full / entry->d_name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      if (!is_dir) continue;
      std::string sub = join(dir, name);
      if (dir.empty() && name == ".ralph") continue;
      if (initial && skip_ && skip_(sub)) continue;
      subdirs.push_back(std::move(sub));
    }
    ::closedir(stream);
    for (const auto& sub : subdirs) {
      if (permanent_) return;
      add_tree(sub, initial);
    }
  }

  void set_inexact(std::string reason) {
    if (reason_.empty()) reason_ = std::move(reason);
  }

  bool has_dirty_ancestor(const std::string& path) const {
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      if (dirty_.count(path.substr(0, slash)) != 0) return true;
    }
    return false;
  }

  void mark(std::string path) {
    if (!reason_.empty() || has_dirty_ancestor(path)) return;
    if (dirty_.size() >= kMaxPaths) {
      set_inexact(fmt::format("more than {} paths changed", kMaxPaths));
      return;
    }
    dirty_.insert(std::move(path));
  }

  void read_events() {
    pollfd fds[2] = {{fd_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        std::lock_guard lock(mutex_);
        set_inexact(fmt::format("cannot wait for events ({})", std::strerror(errno)));
        return;
      }
      if (fds[1].revents != 0) return;
      std::lock_guard lock(mutex_);
      drain();
    }
  }

  // Reads and handles every queued event, with mutex_ held: whoever reads a batch handles it
  // before anyone else can take(), so no change made before a take() is left for the next.
  void drain() {
    alignas(inotify_event) char buffer[64 * 1024];
    for (;;) {
      ssize_t got = ::read(fd_.get(), buffer, sizeof buffer);
      if (got <= 0) return;
      for (ssize_t at = 0; at < got;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        handle(*event);
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }

  void handle(const inotify_event& event) {
    if ((event.mask & IN_Q_OVERFLOW) != 0) {
      set_inexact("the watch overflowed (fs.inotify.max_queued_events)");
      return;
    }
    auto found = dirs_.find(event.wd);
    if (found == dirs_.end()) return;
    const std::string dir = found->second;
    if ((event.mask & IN_IGNORED) != 0) {
      dirs_.erase(found);
      return;
    }
    if ((event.mask & IN_UNMOUNT) != 0) {
      set_inexact(fmt::format("{} was unmounted", dir.empty() ? "the work tree" : dir));
      return;
    }
    if (event.len == 0 || event.name[0] == '\0') {
      // About the folder itself; its parent's watch names it. Only the root has none.
      if (dir.empty() && (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) != 0) {
        set_inexact("the work tree itself was moved or removed");
      }
      return;
    }
    const std::string_view name = event.name;
    if (dir.empty() && (name == ".git" || name == ".ralph")) return;
    const std::string path = join(dir, name);
    if (name == ".git") {
      set_inexact(fmt::format("{} became a repository of its own", dir));
      return;
    }
    if (name == ".gitignore") {
      set_inexact(fmt::format("{} changed", path));
      return;
    }
    if ((event.mask & IN_ISDIR) == 0) {
      mark(path);
      return;
    }
    if ((event.mask & IN_CREATE) != 0) {
      mark(path);
      add_tree(path, false);
    } else if ((event.mask & IN_MOVED_FROM) != 0) {
      mark(path);
      moves_[event.cookie] = path;
    } else if ((event.mask & IN_MOVED_TO) != 0) {
      if (moves_.erase(event.cookie) == 0) {
        set_inexact(fmt::format("{} was moved in from outside the work tree", path));
        return;
      }
      mark(path);
      add_tree(path, false);
    } else if ((event.mask & IN_DELETE) != 0) {
      mark(path);
    }
  }

  const std::filesystem::path root_;
  const SkipDir skip_;
  UniqueFd fd_;
  UniqueFd stop_;
  std::thread reader_;
  std::mutex mutex_;
  // Guarded by mutex_ once the reader runs.
  std::unordered_map<int, std::string> dirs_;  // watch descriptor -> folder
  std::set<std::string> dirty_;
  std::map<uint32_t, std::string> moves_;  // cookie -> folder moved away, awaiting its arrival
  std::string reason_;
  bool permanent_ = false;
};

}  // namespace

std::unique_ptr<WorktreeWatch> WorktreeWatch::start(const std::filesystem::path& workdir,
                                                    SkipDir skip) {
  return std::make_unique<InotifyWatch>(workdir, std::move(skip));
}

}  // namespace ralph::git
