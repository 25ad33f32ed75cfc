// The real process code: posix_spawnp, the process group, non-blocking reads, stopping.
#include "agent/process.hpp"

#include <signal.h>

#include <fstream>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace ralph::agent {
namespace {

std::string read_all(Process& process) {
  std::string out;
  for (;;) {
    auto more = process.read(std::chrono::milliseconds(1000), out);
    EXPECT_TRUE(more) << more.message();
    if (!more || !*more) return out;
  }
}

TEST(ProcessTest, RunsWithoutAShellAndReadsStdout) {
  testing::TempDir dir;
  // The argument holds shell syntax that must reach the program untouched.
  auto process = Process::spawn(
      {{"printf", "%s\\n", "$(touch pwned) ; echo hi"}, dir.path(), dir.path() / "err.log"});
  ASSERT_TRUE(process) << process.message();
  EXPECT_EQ(read_all(**process), "$(touch pwned) ; echo hi\n");
  EXPECT_EQ((*process)->wait(), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "pwned"));
}

TEST(ProcessTest, WorkingDirectoryStderrAndExitCode) {
  testing::TempDir dir;
  auto process = Process::spawn(
      {{"sh", "-c", "pwd; echo oops >&2; exit 7"}, dir.path(), dir.path() / "err.log"});
  ASSERT_TRUE(process);
  EXPECT_EQ(read_all(**process), std::filesystem::canonical(dir.path()).string() + "\n");
  EXPECT_EQ((*process)->wait(), 7);
  EXPECT_EQ(dir.read("err.log"), "oops\n");
}

TEST(ProcessTest, MissingProgramIsAnErrorNotACrash) {
  auto process = Process::spawn({{"ralph-no-such-program-xyz"}, {}, {}});
  ASSERT_FALSE(process);
  EXPECT_NE(process.message().find("ralph-no-such-program-xyz"), std::string::npos);
}

TEST(ProcessTest, StopEndsTheWholeGroupIncludingWhatTheChildStarted) {
  testing::TempDir dir;
  // The child starts a grandchild that ignores SIGTERM, prints its pid, and waits.
  auto process =
      Process::spawn({{"sh", "-c", "trap '' TERM; sleep 300 & echo $!; wait"}, dir.path(), {}});
  ASSERT_TRUE(process);
  std::string out;
  while (out.find('\n') == std::string::npos) {
    auto more = (*process)->read(std::chrono::milliseconds(1000), out);
    ASSERT_TRUE(more && *more);
  }
  pid_t grandchild = std::stoi(out);
  ASSERT_EQ(::kill(grandchild, 0), 0);
  (*process)->stop(std::chrono::milliseconds(200));
  EXPECT_EQ((*process)->wait(), 128 + SIGKILL);
  // The grandchild was killed; it is not our child, so once reaped by init it is gone.
  // kill(pid, 0) fails with ESRCH for a gone process (a zombie still answers).
  std::string state;
  std::ifstream status("/proc/" + std::to_string(grandchild) + "/stat");
  std::getline(status, state);
  EXPECT_TRUE(state.empty() || state.find(") Z") != std::string::npos) << state;
}

TEST(ProcessTest, FindExecutable) {
  EXPECT_TRUE(find_executable("sh"));
  EXPECT_FALSE(find_executable("ralph-no-such-program-xyz"));
  EXPECT_FALSE(find_executable("/nonexistent/claude"));
  EXPECT_TRUE(find_executable("/bin/sh"));
}

}  // namespace
}  // namespace ralph::agent
