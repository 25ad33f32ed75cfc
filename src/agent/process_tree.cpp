#include "agent/process_tree.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "agent/proc_table.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"

namespace ralph::agent {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How long processes already sent SIGKILL get to end (only one in uninterruptible sleep takes
// longer), and how often the process table is read again for what forked meanwhile.
constexpr milliseconds kKillWait{5000};
constexpr milliseconds kRescanEvery{100};

void reap(int pid) {
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) < 0 && errno == EINTR) {
  }
}

struct Target {
  int pid = 0;
  uint64_t start_ticks = 0;
  bool child = false;  // ours: reaped here
  std::string name;
  UniqueFd pidfd;  // refers to exactly this process, whatever pid reuse happens later
  bool gone = false;
};

class Sweep {
 public:
  explicit Sweep(const SweepSpec& spec)
      : spec_(spec), self_(::getpid()), pgid_(::getpgrp()), sid_(::getsid(0)), uid_(::geteuid()) {
    excluded_.insert(1);
    for (int pid = self_; pid > 1;) {  // ralph and its ancestors are never a target
      excluded_.insert(pid);
      auto entry = read_process(pid);
      if (!entry) break;
      pid = entry->ppid;
    }
  }

  std::vector<StrayProcess> run() {
    signal_all(SIGTERM);
    if (targets_.empty()) {
      reap_zombie_children();
      return {};
    }
    wait_for_all(Clock::now() + spec_.grace, SIGTERM);
    if (!all_gone()) {
      signal_all(SIGKILL);
      wait_for_all(Clock::now() + kKillWait, SIGKILL);
    }
    reap_zombie_children();
    std::vector<StrayProcess> stopped;
    for (auto& [pid, target] : targets_) stopped.push_back({pid, target.name, ended(target)});
    return stopped;
  }

 private:
  // Whether the process carries the tag; its environment is read once per process.
  bool tagged(const ProcessEntry& p) const {
    if (spec_.tag.empty()) return false;
    auto key = std::pair{p.pid, p.start_ticks};
    if (auto known = tagged_.find(key); known != tagged_.end()) return known->second;
    auto value = process_env_value(p.pid, kProcessTagVariable);
    bool match =
        value && (spec_.tag_prefix ? value->rfind(spec_.tag, 0) == 0 : *value == spec_.tag);
    tagged_.emplace(key, match);
    return match;
  }

  // What the spec matches in the process table now.
  std::vector<ProcessEntry> select() const {
    std::vector<ProcessEntry> table = list_processes();
    std::map<int, const ProcessEntry*> by_pid;
    std::multimap<int, const ProcessEntry*> by_parent;
    for (const auto& entry : table) {
      by_pid[entry.pid] = &entry;
      by_parent.emplace(entry.ppid, &entry);
    }
    auto eligible = [&](const ProcessEntry& p) {
      return !p.zombie() && p.uid == uid_ && !excluded_.count(p.pid) &&
             p.start_ticks >= spec_.started_after;
    };
    std::set<int> chosen;
    std::vector<int> queue;
    auto choose = [&](const ProcessEntry& p) {
      if (eligible(p) && chosen.insert(p.pid).second) queue.push_back(p.pid);
    };
    for (const auto& p : table) {
      if (!eligible(p)) continue;
      bool in_group = p.pgid != pgid_ && std::find(spec_.groups.begin(), spec_.groups.end(),
                                                   p.pgid) != spec_.groups.end();
      if (in_group || (spec_.orphans && p.ppid == self_) || tagged(p)) choose(p);
    }
    // Their descendants, and the members of the groups and sessions they lead (a member that
    // cleared its environment is still theirs). Never ralph's own group or session, nor one
    // whose leader is not theirs: a leaderless session may be a terminal the user closed.
    for (size_t next = 0; next < queue.size(); ++next) {
      const ProcessEntry& p = *by_pid.at(queue[next]);
      auto [first, last] = by_parent.equal_range(p.pid);
      for (auto it = first; it != last; ++it) choose(*it->second);
      bool group = p.pgid != pgid_ && p.pgid > 0 && chosen.count(p.pgid);
      bool session = p.sid != sid_ && p.sid > 0 && chosen.count(p.sid);
      if (!group && !session) continue;
      for (const auto& other : table) {
        if ((group && other.pgid == p.pgid) || (session && other.sid == p.sid)) choose(other);
      }
    }
    std::vector<ProcessEntry> out;
    for (int pid : chosen) out.push_back(*by_pid.at(pid));
    return out;
  }

  // Adds what matches now and sends `sig` to every target still running, and to its group
  // when that group is one the targets made.
  void signal_all(int sig) {
    for (const auto& entry : select()) {
      if (targets_.count(entry.pid)) continue;
      Target target;
      target.pid = entry.pid;
      target.start_ticks = entry.start_ticks;
      target.child = entry.ppid == self_;
      target.name = process_name(entry.pid);
      target.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, entry.pid, 0)));
      // The pidfd was opened after the table was read: make sure it is the same process.
      if (process_start_ticks(entry.pid) != entry.start_ticks) continue;
      targets_.emplace(entry.pid, std::move(target));
    }
    std::set<int> groups;
    for (auto& [pid, target] : targets_) {
      if (target.gone) continue;
      send(target, sig);
      if (sig == SIGTERM) send(target, SIGCONT);  // a stopped process acts on it only then
      // The group of a target that still is that process (not a reuse of its pid), led by
      // another target.
      if (auto entry = read_process(pid); entry && entry->start_ticks == target.start_ticks &&
                                          entry->pgid != pgid_ && entry->pgid > 0 &&
                                          targets_.count(entry->pgid)) {
        groups.insert(entry->pgid);
      }
    }
    // Groups led by a target: a process forked since the table was read is in one of them.
    for (int group : groups) ::kill(-group, sig);
  }

  void send(Target& target, int sig) {
    if (target.pidfd.valid()) {
      ::syscall(SYS_pidfd_send_signal, target.pidfd.get(), sig, nullptr, 0);
    } else if (process_start_ticks(target.pid) == target.start_ticks) {
      ::kill(target.pid, sig);
    }
  }

  // Whether the target has ended (it is reaped here if it is ours).
  bool ended(Target& target) {
    if (target.gone) return true;
    if (target.pidfd.valid()) {
      pollfd pfd{target.pidfd.get(), POLLIN, 0};
      target.gone = ::poll(&pfd, 1, 0) == 1;
    } else {
      auto entry = read_process(target.pid);
      target.gone = !entry || entry->start_ticks != target.start_ticks || entry->zombie();
    }
    if (target.gone && target.child && !kept(target.pid)) reap(target.pid);
    return target.gone;
  }

  bool all_gone() {
    bool gone = true;
    for (auto& [pid, target] : targets_) gone = ended(target) && gone;
    return gone;
  }

  // Until every target has ended or `deadline` passes; what forks meanwhile gets `sig` too.
  void wait_for_all(Clock::time_point deadline, int sig) {
    auto next_scan = Clock::now() + kRescanEvery;
    while (!all_gone() || Clock::now() < next_scan) {
      auto now = Clock::now();
      if (now >= deadline || (sig == SIGTERM && spec_.hurry && spec_.hurry())) return;
      if (now >= next_scan) {
        size_t known = targets_.size();
        signal_all(sig);
        next_scan = now + kRescanEvery;
        if (targets_.size() == known && all_gone()) return;
        continue;
      }
      std::vector<pollfd> fds;
      for (auto& [pid, target] : targets_) {
        if (!target.gone && target.pidfd.valid()) fds.push_back({target.pidfd.get(), POLLIN, 0});
      }
      auto slice = std::min({std::chrono::ceil<milliseconds>(deadline - now),
                             std::chrono::ceil<milliseconds>(next_scan - now), milliseconds(20)});
      if (fds.empty()) {
        std::this_thread::sleep_for(slice);
      } else {
        ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(slice.count(), 1)));
      }
    }
  }

  // Orphans reparented to ralph that ended before anyone looked: reaped, never left as
  // zombies for the rest of the run.
  void reap_zombie_children() {
    if (!spec_.orphans) return;
    for (const auto& entry : list_processes()) {
      if (entry.ppid == self_ && entry.zombie() && !kept(entry.pid)) reap(entry.pid);
    }
  }

  bool kept(int pid) const {
    return std::find(spec_.keep.begin(), spec_.keep.end(), pid) != spec_.keep.end();
  }

  const SweepSpec& spec_;
  const int self_;
  const int pgid_;
  const int sid_;
  const uid_t uid_;
  std::set<int> excluded_;
  std::map<int, Target> targets_;
  mutable std::map<std::pair<int, uint64_t>, bool> tagged_;  // (pid, start) -> carries the tag
};

}  // namespace

Status become_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return make_error(
        fmt::format("cannot become the subreaper of the agent's processes: {}", errno_text(errno)));
  }
  return ok_status();
}

Status check_subreaper_support() {
  pid_t child = ::fork();
  if (child < 0) return make_error(fmt::format("cannot fork: {}", errno_text(errno)));
  if (child == 0) {
    int flag = 0;
    bool works = ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 &&
                 ::prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0) == 0 && flag == 1;
    ::_exit(works ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ok_status();
  return make_error("the kernel refuses PR_SET_CHILD_SUBREAPER (Linux 3.4 or later needed)");
}

void reap_ended_children(int keep) {
  if (auto children = own_children()) {
    for (int pid : *children) {
      if (pid != keep) reap(pid);  // a no-op for one still running
    }
    return;
  }
  for (;;) {  // no child list: look at whichever has ended, without reaping it first
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return;  // no children
    }
    if (info.si_pid == 0 || info.si_pid == keep) return;  // none ended, or the agent first
    reap(info.si_pid);
  }
}

std::string new_process_tag(const std::string& run_id, int iteration) {
  std::random_device random;
  return fmt::format("{}:{}:{:08x}", run_id, iteration, random());
}

std::string process_tag_prefix(const std::string& run_id, int iteration) {
  return iteration > 0 ? fmt::format("{}:{}:", run_id, iteration) : run_id + ":";
}

std::string worktree_tag_scope(const std::string& run_id, const std::string& item) {
  return fmt::format("{}:w:{}", run_id, item);
}

std::vector<StrayProcess> SystemSweeper::sweep(const SweepSpec& spec) {
  return Sweep(spec).run();
}

std::string describe_strays(const std::vector<StrayProcess>& strays, size_t limit) {
  std::vector<std::string> names;
  for (size_t i = 0; i < strays.size() && i < limit; ++i) {
    names.push_back(fmt::format("{} (pid {})", strays[i].name, strays[i].pid));
  }
  std::string text = fmt::format("{}", fmt::join(names, ", "));
  if (strays.size() > limit) text += fmt::format(" and {} more", strays.size() - limit);
  return text;
}

std::string strays_warning(const std::vector<StrayProcess>& strays, const std::string& whose) {
  if (strays.empty()) return "";
  std::string text =
      fmt::format("ralph: warning: stopped {} process{} {} left running: {}", strays.size(),
                  strays.size() == 1 ? "" : "es", whose, describe_strays(strays));
  std::vector<StrayProcess> left;
  for (const auto& stray : strays) {
    if (!stray.ended) left.push_back(stray);
  }
  if (!left.empty()) {
    text += fmt::format("; still there after SIGKILL (in uninterruptible sleep): {}",
                        describe_strays(left));
  }
  return text;
}

}  // namespace ralph::agent
