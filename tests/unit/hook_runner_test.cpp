// The real hook runner: a process per hook, the event on stdin, RALPH_* in its environment,
// its output in hooks.log, and a timeout that stops its whole process group.
#include "loop/hook_runner.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <set>

#include "temp_dir.hpp"
#include "util/fd.hpp"

namespace ralph::loop {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class HookRunnerTest : public ::testing::Test {
 public:
  void SetUp() override {
    settings.repo_root = dir.path();
    settings.timeout = milliseconds(10'000);
    settings.stop_grace = milliseconds(200);
    settings.sweeper = &sweeper;
  }
  // An executable script at `relative` in the repository.
  void script(const std::string& relative, const std::string& body) {
    dir.write(relative, "#!/bin/sh\n" + body);
    ::chmod((dir.path() / relative).c_str(), 0755);
  }
  HookResult run(const std::string& hook, const json& payload) {
    ProcessHookRunner runner(settings);
    return runner.run(hook, payload);
  }

  testing::TempDir dir;
  agent::SystemSweeper sweeper;
  HookSettings settings;
  json payload = {{"event", "post_iteration"},
                  {"run_id", "r1"},
                  {"iteration", 3},
                  {"record", {{"outcome", "success"}, {"cost_usd", 0.25}}}};
};

// Whether process `pid` has ended or ends within a few seconds (a SIGKILL already sent may
// take the kernel a moment); a pidfd is readable once it has.
bool ends(int pid) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) return errno == ESRCH;
  pollfd pfd{pidfd.get(), POLLIN, 0};
  return ::poll(&pfd, 1, 5000) == 1;
}

TEST_F(HookRunnerTest, GivesTheEventOnStdinAndRalphVariablesInTheRepositoryRoot) {
  script("hooks/record.sh",
         "cat > got.json\n"
         "printf '%s|%s|%s\\n' \"$RALPH_EVENT\" \"$RALPH_RUN_ID\" \"$RALPH_ITERATION\" > env.txt\n"
         "pwd > pwd.txt\n"
         "echo to stdout; echo to stderr >&2\n");
  HookResult result = run("hooks/record.sh", payload);
  ASSERT_TRUE(result.ok()) << result.describe();
  EXPECT_EQ(dir.read("got.json"), payload.dump() + "\n");  // one object, one line
  EXPECT_EQ(dir.read("env.txt"), "post_iteration|r1|3\n");
  EXPECT_EQ(dir.read("pwd.txt"), std::filesystem::canonical(dir.path()).string() + "\n");
  EXPECT_EQ(result.output, "to stdout\nto stderr");
  std::string log = dir.read(".ralph/runs/r1/hooks.log");
  EXPECT_NE(log.find(" post_iteration hooks/record.sh (iteration 3)\nto stdout\nto stderr\n<== "
                     "exited with 0"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.rfind("==> ", 0), 0u) << log;
}

TEST_F(HookRunnerTest, AbsolutePathsWorkAndTheEnvironmentPassesThrough) {
  ::setenv("RALPH_TEST_PASSED_THROUGH", "yes", 1);
  script("elsewhere/hook.sh", "echo \"$RALPH_TEST_PASSED_THROUGH\"\n");
  HookResult result = run((dir.path() / "elsewhere/hook.sh").string(), payload);
  ::unsetenv("RALPH_TEST_PASSED_THROUGH");
  ASSERT_TRUE(result.ok()) << result.describe();
  EXPECT_EQ(result.output, "yes");
}

TEST_F(HookRunnerTest, ANonZeroExitIsAFailureWithItsLastLines) {
  script("hooks/fail.sh", "echo first\necho 'last words' >&2\nexit 4\n");
  HookResult result = run("hooks/fail.sh", payload);
  EXPECT_EQ(result.status, HookResult::Status::kFailed);
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_EQ(result.describe(), "exited with 4");
  EXPECT_EQ(result.last_line(), "last words");
  EXPECT_EQ(result.output, "first\nlast words");
  EXPECT_NE(dir.read(".ralph/runs/r1/hooks.log").find("<== exited with 4"), std::string::npos);
}

TEST_F(HookRunnerTest, OnlyTheLastTwentyLinesAreKept) {
  script("hooks/long.sh", "i=1; while [ $i -le 50 ]; do echo line $i; i=$((i+1)); done\n");
  HookResult result = run("hooks/long.sh", payload);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.output.rfind("line 31\n", 0), 0u) << result.output;
  EXPECT_EQ(result.last_line(), "line 50");
}

TEST_F(HookRunnerTest, ATimeoutStopsTheWholeGroup) {
  settings.timeout = milliseconds(1000);  // time enough to start, even on a busy machine
  // The hook ignores SIGTERM and leaves a child that would outlive a careless runner.
  script("hooks/hang.sh", "trap '' TERM\nsleep 300 &\necho $! > child.pid\nwait\n");
  const auto started = std::chrono::steady_clock::now();
  HookResult result = run("hooks/hang.sh", payload);
  EXPECT_EQ(result.status, HookResult::Status::kTimedOut);
  EXPECT_GE(result.elapsed, milliseconds(1000));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(result.describe().find("timed out after"), std::string::npos);
  std::string child = dir.read("child.pid");
  ASSERT_FALSE(child.empty()) << "the hook did not get to start its child";
  EXPECT_TRUE(ends(std::stoi(child))) << "the hook's child survived the timeout";
}

TEST_F(HookRunnerTest, WhatAHookLeavesRunningIsStoppedWhenItExits) {
  // In its group, and in a session of its own (out of reach of a signal to the group).
  script("hooks/leave.sh",
         "sleep 300 >/dev/null 2>&1 &\necho $! > child.pid\n"
         "setsid sleep 301 >/dev/null 2>&1 </dev/null &\necho $! > daemon.pid\n"
         "echo \"$RALPH_PROCESS_TAG\" > tag.txt\n");
  HookResult result = run("hooks/leave.sh", payload);
  EXPECT_TRUE(result.ok()) << result.describe();
  std::string child = dir.read("child.pid");
  std::string daemon = dir.read("daemon.pid");
  ASSERT_FALSE(child.empty());
  ASSERT_FALSE(daemon.empty());
  EXPECT_TRUE(ends(std::stoi(child)));
  EXPECT_TRUE(ends(std::stoi(daemon)));
  std::set<int> strays;
  for (const auto& stray : result.strays) strays.insert(stray.pid);
  EXPECT_EQ(strays, (std::set<int>{std::stoi(child), std::stoi(daemon)}));
  // The hook's own tag: its run and iteration, unique, and its event.
  std::string tag = dir.read("tag.txt");
  EXPECT_EQ(tag.rfind("r1:3:", 0), 0u) << tag;
  EXPECT_NE(tag.find(":post_iteration"), std::string::npos) << tag;
}

TEST_F(HookRunnerTest, ANewInterruptStopsTheHook) {
  int interrupts = 1;  // one before the hook started: it runs anyway (e.g. on_halt after ^C)
  int polls = 0;
  settings.interrupts = [&] { return ++polls > 3 ? interrupts + 1 : interrupts; };
  script("hooks/slow.sh", "sleep 300\n");
  HookResult result = run("hooks/slow.sh", payload);
  EXPECT_EQ(result.status, HookResult::Status::kInterrupted);
  EXPECT_EQ(result.describe(), "was stopped by an interrupt");
}

TEST_F(HookRunnerTest, AMissingHookCannotStart) {
  HookResult result = run("hooks/missing.sh", payload);
  EXPECT_EQ(result.status, HookResult::Status::kNotStarted);
  EXPECT_NE(result.describe().find("could not start"), std::string::npos);
  EXPECT_NE(result.error.find("missing.sh"), std::string::npos) << result.error;
}

TEST_F(HookRunnerTest, SecretsAreRedactedFromThePayloadFileAndTheOutput) {
  settings.redact = [](std::string_view text) {
    std::string out(text);
    for (size_t at; (at = out.find("s3cr3t")) != std::string::npos;) out.replace(at, 6, "[X]");
    return out;
  };
  payload["record"]["title"] = "uses s3cr3t";
  script("hooks/echo.sh", "cat\n");
  HookResult result = run("hooks/echo.sh", payload);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.output.find("s3cr3t"), std::string::npos);
  EXPECT_NE(result.output.find("uses [X]"), std::string::npos);
  EXPECT_EQ(dir.read(".ralph/runs/r1/hook-post_iteration.json").find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace ralph::loop
