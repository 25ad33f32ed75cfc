// The real sweep: processes that left their group and session, that double-forked, that
// ignore SIGTERM, that cleared their environment, found and stopped through /proc.
#include "agent/process_tree.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "agent/proc_table.hpp"
#include "agent/process.hpp"
#include "temp_dir.hpp"
#include "util/fd.hpp"

namespace ralph::agent {
namespace {

using std::chrono::milliseconds;

// A run id of this test process's own: ctest runs other tests at the same time, whose
// processes a sweep by another run's tag must never touch.
std::string run_id(int n) {
  return "test-" + std::to_string(::getpid()) + "-" + std::to_string(n);
}

// Runs `script` under sh with `tag` as RALPH_PROCESS_TAG, waits for it to exit, and returns
// the pids it printed, one per line: what it left running.
std::vector<int> leave_behind(const std::string& script, const std::string& tag) {
  SpawnSpec spec({"sh", "-c", script}, {});
  if (!tag.empty()) spec.env = {{kProcessTagVariable, tag}};
  auto process = Process::spawn(spec);
  EXPECT_TRUE(process) << process.message();
  if (!process) return {};
  std::string out;
  std::string err;
  for (;;) {
    auto more = (*process)->read(milliseconds(5000), out, err);
    if (!more || !*more) break;
  }
  EXPECT_EQ((*process)->wait(), 0) << err;
  std::vector<int> pids;
  for (size_t at = 0; at < out.size();) {
    size_t end = out.find('\n', at);
    pids.push_back(std::stoi(out.substr(at, end - at)));
    at = end + 1;
  }
  return pids;
}

// Whether `pid` is a running process (not a zombie); no waiting.
bool running(int pid) {
  auto entry = read_process(pid);
  return entry && !entry->zombie();
}

// A real sweep of what carries `tag`.
std::vector<StrayProcess> sweep_tag(const std::string& tag, milliseconds grace,
                                    uint64_t started_after = 0) {
  SweepSpec spec;
  spec.tag = tag;
  spec.grace = grace;
  spec.started_after = started_after;
  return SystemSweeper().sweep(spec);
}

std::set<int> pids_of(const std::vector<StrayProcess>& strays) {
  std::set<int> pids;
  for (const auto& stray : strays) pids.insert(stray.pid);
  return pids;
}

// A tool command's ways of staying behind: a background job, a new session, a double fork
// (the shape of `pg_ctl start` or `redis-server --daemonize yes`). Each prints its pid, then
// lets go of the output as it becomes `sleep`, so the output's end says all three run.
const char* kDaemons =
    "sh -c 'echo $$; exec sleep 300 >/dev/null 2>&1' </dev/null &"
    "setsid sh -c 'echo $$; exec sleep 301 >/dev/null 2>&1' </dev/null &"
    "(sh -c 'echo $$; exec sleep 302 >/dev/null 2>&1' </dev/null &)";

TEST(ProcessTreeTest, FindsWhatLeftItsGroupAndSessionByTagAndStopsItAll) {
  const std::string tag = new_process_tag(run_id(1), 1);
  auto left = leave_behind(kDaemons, tag);
  ASSERT_EQ(left.size(), 3u);
  for (int pid : left) ASSERT_TRUE(running(pid)) << pid;
  for (int pid : left) ASSERT_EQ(process_env_value(pid, kProcessTagVariable), tag);

  auto stopped = sweep_tag(tag, milliseconds(2000));
  EXPECT_EQ(pids_of(stopped), std::set<int>(left.begin(), left.end()));
  for (int pid : left) EXPECT_FALSE(running(pid)) << pid << " survived the sweep";
  for (const auto& stray : stopped) EXPECT_EQ(stray.name, "sleep");
  EXPECT_TRUE(sweep_tag(tag, milliseconds(2000)).empty());  // nothing left to find
}

TEST(ProcessTreeTest, WhatIgnoresSigtermIsKilledAfterTheGrace) {
  const std::string tag = new_process_tag(run_id(2), 1);
  auto left = leave_behind(
      "setsid sh -c 'trap \"\" TERM; echo $$; exec >/dev/null 2>&1; "
      "while :; do sleep 1; done' </dev/null &",
      tag);
  ASSERT_EQ(left.size(), 1u);
  auto begun = std::chrono::steady_clock::now();
  auto stopped = sweep_tag(tag, milliseconds(300));
  EXPECT_GE(std::chrono::steady_clock::now() - begun, milliseconds(300));
  EXPECT_TRUE(pids_of(stopped).count(left[0]));
  EXPECT_FALSE(running(left[0]));
}

TEST(ProcessTreeTest, AClearedEnvironmentDoesNotHideAMemberOfATaggedSession) {
  const std::string tag = new_process_tag(run_id(3), 1);
  // The session's leader is tagged; its child starts with an empty environment.
  auto left = leave_behind(
      "setsid sh -c 'env -i /bin/sh -c \"echo \\$\\$; exec sleep 303 >/dev/null 2>&1\" & "
      "echo $$; exec >/dev/null 2>&1; wait' </dev/null &",
      tag);
  ASSERT_EQ(left.size(), 2u);
  // Which printed first is up to the scheduler: one of them has no environment.
  ASSERT_NE(process_env_value(left[0], kProcessTagVariable).has_value(),
            process_env_value(left[1], kProcessTagVariable).has_value());
  auto stopped = sweep_tag(tag, milliseconds(2000));
  EXPECT_EQ(pids_of(stopped), std::set<int>(left.begin(), left.end()));
  for (int pid : left) EXPECT_FALSE(running(pid));
}

TEST(ProcessTreeTest, ASessionWhoseLeaderIsGoneIsNotTakenWhole) {
  // A session made by a process that has exited (a terminal the user closed, say): one
  // tagged member, one that is not and never was the tagged one's. Only the first is ours.
  const std::string tag = new_process_tag(run_id(6), 1);
  auto left = leave_behind(
      "setsid sh -c 'env -i /bin/sh -c \"echo \\$\\$; exec sleep 309 >/dev/null 2>&1\" & "
      "sh -c \"echo \\$\\$; exec sleep 310 >/dev/null 2>&1\" &' </dev/null &",
      tag);
  ASSERT_EQ(left.size(), 2u);
  // Which printed first is up to the scheduler: the tagged one carries the tag.
  int tagged = process_env_value(left[0], kProcessTagVariable) ? left[0] : left[1];
  int stranger = tagged == left[0] ? left[1] : left[0];
  auto stopped = sweep_tag(tag, milliseconds(2000));
  EXPECT_EQ(pids_of(stopped), std::set<int>{tagged});
  EXPECT_TRUE(running(stranger)) << "a member of a leaderless session was taken";
  ::kill(stranger, SIGKILL);
}

TEST(ProcessTreeTest, AHurryCutsTheGraceShort) {
  const std::string tag = new_process_tag(run_id(7), 1);
  auto left = leave_behind(
      "setsid sh -c 'trap \"\" TERM; echo $$; exec >/dev/null 2>&1; "
      "while :; do sleep 1; done' </dev/null &",
      tag);
  ASSERT_EQ(left.size(), 1u);
  SweepSpec spec;
  spec.tag = tag;
  spec.grace = std::chrono::minutes(10);  // a second Ctrl-C must not wait this out
  int asked = 0;
  spec.hurry = [&asked] { return ++asked > 2; };
  auto begun = std::chrono::steady_clock::now();
  auto stopped = SystemSweeper().sweep(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - begun, std::chrono::minutes(1));
  EXPECT_TRUE(pids_of(stopped).count(left[0]));
  EXPECT_FALSE(running(left[0]));
  EXPECT_TRUE(stopped[0].ended);
}

TEST(ProcessTreeTest, LeavesOtherTagsAndEarlierProcessesAlone) {
  const std::string mine = new_process_tag(run_id(4), 1);
  const std::string other = new_process_tag(run_id(4), 2);
  auto theirs = leave_behind("setsid sleep 304 </dev/null >/dev/null 2>&1 & echo $!", other);
  auto earlier = leave_behind("setsid sleep 305 </dev/null >/dev/null 2>&1 & echo $!", mine);
  ASSERT_EQ(theirs.size(), 1u);
  ASSERT_EQ(earlier.size(), 1u);
  // A pid of a process started before the iteration is a stranger's, whatever it carries.
  EXPECT_TRUE(sweep_tag(mine, milliseconds(500), *process_start_ticks(earlier[0]) + 1).empty());
  EXPECT_TRUE(running(theirs[0]));
  EXPECT_TRUE(running(earlier[0]));
  // The whole run's prefix takes both.
  SweepSpec spec;
  spec.tag = process_tag_prefix(run_id(4));
  spec.tag_prefix = true;
  spec.grace = milliseconds(500);
  auto stopped = SystemSweeper().sweep(spec);
  EXPECT_TRUE(pids_of(stopped).count(theirs[0]));
  EXPECT_TRUE(pids_of(stopped).count(earlier[0]));
  EXPECT_FALSE(running(theirs[0]));
  EXPECT_FALSE(running(earlier[0]));
}

TEST(ProcessTreeTest, AsSubreaperItStopsAndReapsOrphansWithoutATag) {
  ASSERT_TRUE(become_subreaper());
  auto left = leave_behind(
      "setsid sh -c 'echo $$; exec env -i sleep 306 >/dev/null 2>&1' </dev/null &", "");
  ASSERT_EQ(left.size(), 1u);
  auto entry = read_process(left[0]);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->ppid, ::getpid());  // reparented to us, not to init
  SystemSweeper sweeper;
  SweepSpec spec;
  spec.orphans = true;
  spec.grace = milliseconds(2000);
  auto stopped = sweeper.sweep(spec);
  EXPECT_TRUE(pids_of(stopped).count(left[0]));
  EXPECT_FALSE(read_process(left[0])) << "stopped but left a zombie";
}

TEST(ProcessTreeTest, EndedOrphansAreReapedWhileTheAgentKeepsItsExitCode) {
  ASSERT_TRUE(become_subreaper());
  // The agent, still to be waited for, and an orphan of its that has already ended.
  auto agent = Process::spawn({{"sh", "-c", "exit 7"}, {}});
  ASSERT_TRUE(agent);
  auto left = leave_behind("setsid sh -c 'echo $$; exec sleep 0.2' </dev/null &", "");
  ASSERT_EQ(left.size(), 1u);
  ASSERT_TRUE((*agent)->wait_for(milliseconds(10'000)));
  for (int i = 0; i < 200 && running(left[0]); ++i) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(read_process(left[0])) << "the orphan should be a zombie of ours";
  reap_ended_children((*agent)->pid());
  EXPECT_FALSE(read_process(left[0])) << "the ended orphan is still a zombie";
  EXPECT_EQ((*agent)->wait(), 7);  // the agent was not reaped behind its back
}

TEST(ProcessTreeTest, SubreaperSupportAndTags) {
  EXPECT_TRUE(check_subreaper_support());
  std::string tag = new_process_tag("20261201-101500-ab12", 7);
  EXPECT_EQ(tag.rfind("20261201-101500-ab12:7:", 0), 0u);
  EXPECT_EQ(tag.size(), std::string("20261201-101500-ab12:7:").size() + 8);
  EXPECT_NE(tag, new_process_tag("20261201-101500-ab12", 7));
  EXPECT_EQ(process_tag_prefix("r"), "r:");
}

TEST(ProcessTreeTest, DescribeStrays) {
  EXPECT_EQ(describe_strays({{123, "sleep"}, {130, "redis-server"}}),
            "sleep (pid 123), redis-server (pid 130)");
  EXPECT_EQ(describe_strays({{1, "a"}, {2, "b"}, {3, "c"}}, 2), "a (pid 1), b (pid 2) and 1 more");
}

TEST(ProcTableTest, ReadsThisProcess) {
  auto self = read_process(::getpid());
  ASSERT_TRUE(self);
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_EQ(self->pgid, ::getpgrp());
  EXPECT_EQ(self->sid, ::getsid(0));
  EXPECT_LE(self->start_ticks, boot_ticks_now());
  EXPECT_EQ(process_start_ticks(::getpid()), self->start_ticks);
  EXPECT_FALSE(process_start_ticks(999'999'999));
  EXPECT_FALSE(process_env_value(::getpid(), "RALPH_SURELY_UNSET_VARIABLE"));
}

}  // namespace
}  // namespace ralph::agent
