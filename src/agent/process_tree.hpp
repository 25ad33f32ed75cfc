// ralph owns the whole process tree of a run (README "When things go wrong"). It is the
// child subreaper of everything it starts, so a descendant that leaves its group or session
// (the Bash tool's shell runs in a session of its own; a daemon double-forks) is reparented to
// ralph rather than to init; and every process it starts carries a tag in its environment
// (RALPH_PROCESS_TAG), inherited by all its descendants. When an iteration or a hook ends,
// a sweep finds what is left by tag, by group, by session and by parentage, and stops it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace ralph::agent {

inline constexpr const char* kProcessTagVariable = "RALPH_PROCESS_TAG";

// Makes this process the child subreaper of its descendants (prctl PR_SET_CHILD_SUBREAPER).
Status become_subreaper();
// Whether the kernel lets a process become a subreaper: tried in a short-lived child, so the
// caller is left as it was.
Status check_subreaper_support();

// Reaps this process's children that have ended (orphans the subreaper took in), except
// `keep` (the agent, whose exit code is still to be read): while a long iteration runs they
// would otherwise stay zombies until its end. What runs is left alone.
void reap_ended_children(int keep);

// "<run_id>:<iteration>:<8 hex digits>": unique per iteration (and per hook run, with the
// hook's event appended after one more ':').
std::string new_process_tag(const std::string& run_id, int iteration);
// The prefix every tag of `run_id`'s iteration `iteration` starts with (all of the run's when
// `iteration` is 0).
std::string process_tag_prefix(const std::string& run_id, int iteration = 0);
// What stands for the run id in the tags of the loop of `item`'s worktree of a run of items
// side by side (README "Running many loops"), and the tag of that loop itself:
// "<run_id>:w:<item>", so the run's prefix finds every worktree's processes, and one worktree's
// none of another's.
std::string worktree_tag_scope(const std::string& run_id, const std::string& item);

struct StrayProcess {
  int pid = 0;
  std::string name;
  bool ended = true;  // false: still there after SIGKILL (uninterruptible sleep)
};

struct SweepSpec {
  std::string tag;          // processes whose RALPH_PROCESS_TAG is this ...
  bool tag_prefix = false;  // ... or starts with it
  // Only processes started at or after this (clock ticks since boot; 0: whenever), so a pid
  // reused by a stranger since is never hit.
  uint64_t started_after = 0;
  // Also every member of these process groups. Their leaders must not have been reaped yet
  // (a zombie keeps its group id from being reused): list them in `keep` too.
  std::vector<int> groups;
  bool orphans = false;   // also this process's own children and their descendants
  std::vector<int> keep;  // children of ralph never reaped here (their own wait does that)
  std::chrono::milliseconds grace{5000};
  std::function<bool()> hurry;  // when it turns true, the grace is cut short (a second ^C)
};

// Finds and stops leftover processes. The loop sees this interface; tests fake it.
class ProcessSweeper {
 public:
  virtual ~ProcessSweeper() = default;
  // Stops every process `spec` matches, with the group and the session of each (never
  // ralph's own group or session, never ralph or its ancestors): SIGTERM, up to `grace` for
  // them to end, SIGKILL, then reaped (children of ralph) or waited for (others). What was
  // running, by pid.
  virtual std::vector<StrayProcess> sweep(const SweepSpec& spec) = 0;
};

// The real one, through /proc and signals.
class SystemSweeper final : public ProcessSweeper {
 public:
  std::vector<StrayProcess> sweep(const SweepSpec& spec) override;
};

// "sleep (pid 123), redis-server (pid 130)": at most `limit` names, then "and N more".
std::string describe_strays(const std::vector<StrayProcess>& strays, size_t limit = 8);
// The warning for what a sweep stopped ("" when it stopped nothing): "ralph: warning: stopped
// 2 processes WHOSE left running: sleep (pid 123), ...", and those still there after SIGKILL.
std::string strays_warning(const std::vector<StrayProcess>& strays, const std::string& whose);

}  // namespace ralph::agent
