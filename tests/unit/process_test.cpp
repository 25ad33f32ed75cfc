// The real process code: posix_spawnp, the process group, non-blocking reads, stopping.
#include "agent/process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "util/fd.hpp"

namespace ralph::agent {
namespace {

std::string read_all(Process& process, std::string* err = nullptr) {
  std::string out;
  std::string errors;
  for (;;) {
    auto more = process.read(std::chrono::milliseconds(1000), out, errors);
    EXPECT_TRUE(more) << more.message();
    if (!more || !*more) break;
  }
  if (err != nullptr) *err = errors;
  return out;
}

// Starts a child that starts a grandchild ignoring SIGTERM; `grandchild` becomes a pidfd of
// it, readable once it has ended (child of ours or not).
void start_group_with_grandchild(const testing::TempDir& dir, std::unique_ptr<Process>& process,
                                 UniqueFd& grandchild) {
  auto spawned =
      Process::spawn({{"sh", "-c", "trap '' TERM; sleep 300 & echo $!; wait"}, dir.path()});
  ASSERT_TRUE(spawned) << spawned.message();
  process = std::move(*spawned);
  std::string out;
  while (out.find('\n') == std::string::npos) {
    std::string err;
    auto more = process->read(std::chrono::milliseconds(1000), out, err);
    ASSERT_TRUE(more && *more);
  }
  grandchild.reset(static_cast<int>(::syscall(SYS_pidfd_open, std::stoi(out), 0)));
  ASSERT_TRUE(grandchild.valid());
}

TEST(ProcessTest, RunsWithoutAShellAndReadsStdout) {
  testing::TempDir dir;
  // The argument holds shell syntax that must reach the program untouched.
  auto process = Process::spawn({{"printf", "%s\\n", "$(touch pwned) ; echo hi"}, dir.path()});
  ASSERT_TRUE(process) << process.message();
  EXPECT_EQ(read_all(**process), "$(touch pwned) ; echo hi\n");
  EXPECT_EQ((*process)->wait(), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "pwned"));
}

TEST(ProcessTest, WorkingDirectoryStderrAndExitCode) {
  testing::TempDir dir;
  auto process = Process::spawn({{"sh", "-c", "pwd; echo oops >&2; exit 7"}, dir.path()});
  ASSERT_TRUE(process);
  std::string err;
  EXPECT_EQ(read_all(**process, &err), std::filesystem::canonical(dir.path()).string() + "\n");
  EXPECT_EQ((*process)->wait(), 7);
  EXPECT_EQ(err, "oops\n");
}

TEST(ProcessTest, MissingProgramIsAnErrorNotACrash) {
  auto process = Process::spawn({{"ralph-no-such-program-xyz"}, {}});
  ASSERT_FALSE(process);
  EXPECT_NE(process.message().find("ralph-no-such-program-xyz"), std::string::npos);
}

TEST(ProcessTest, StopEndsTheWholeGroupIncludingWhatTheChildStarted) {
  testing::TempDir dir;
  std::unique_ptr<Process> process;
  UniqueFd pidfd;
  ASSERT_NO_FATAL_FAILURE(start_group_with_grandchild(dir, process, pidfd));
  pollfd pfd{pidfd.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&pfd, 1, 0), 0);  // still running
  process->stop(std::chrono::milliseconds(200));
  EXPECT_EQ(process->wait(), 128 + SIGKILL);
  EXPECT_EQ(::poll(&pfd, 1, 10'000), 1) << "the grandchild survived the stop";
}

TEST(ProcessTest, WaitReapsTheLeaderAndLeavesTheRestToTheSweep) {
  testing::TempDir dir;
  auto process = Process::spawn({{"sh", "-c", "sleep 300 >/dev/null & echo $!"}, dir.path()});
  ASSERT_TRUE(process) << process.message();
  std::string out = read_all(**process);
  // End of file comes as it exits; it has exited a moment later.
  EXPECT_TRUE((*process)->wait_for(std::chrono::milliseconds(10'000)));
  EXPECT_TRUE((*process)->exited());
  EXPECT_EQ((*process)->wait(), 0);
  UniqueFd left(static_cast<int>(::syscall(SYS_pidfd_open, std::stoi(out), 0)));
  ASSERT_TRUE(left.valid()) << "the background command should still run";
  pollfd pfd{left.get(), POLLIN, 0};
  EXPECT_EQ(::poll(&pfd, 1, 0), 0);
  ::syscall(SYS_pidfd_send_signal, left.get(), SIGKILL, nullptr, 0);
  EXPECT_EQ(::poll(&pfd, 1, 10'000), 1);
}

TEST(ProcessTest, StdinFromAFileOutputToAFileAndExtraEnvironment) {
  testing::TempDir dir;
  dir.write("in.txt", "from the file\n");
  SpawnSpec spec({"sh", "-c", "cat; echo \"$RALPH_X $HOME\"; env | grep -c '^HOME='; echo e >&2"},
                 dir.path());
  spec.stdin_file = dir.path() / "in.txt";
  spec.output_file = dir.path() / "out.log";
  spec.env = {{"RALPH_X", "x"}, {"HOME", "/elsewhere"}};
  dir.write("out.log", "kept\n");  // appended to, not replaced
  auto process = Process::spawn(spec);
  ASSERT_TRUE(process) << process.message();
  std::string out;
  std::string err;
  auto more = (*process)->read(std::chrono::milliseconds(10), out, err);
  EXPECT_TRUE(more && !*more);  // nothing comes through pipes
  EXPECT_TRUE((*process)->wait_for(std::chrono::milliseconds(10'000)));
  EXPECT_EQ((*process)->wait(), 0);
  EXPECT_EQ(dir.read("out.log"), "kept\nfrom the file\nx /elsewhere\n1\ne\n");
}

TEST(ProcessTest, WaitForGivesUpAfterItsTimeout) {
  auto process = Process::spawn({{"sleep", "300"}, {}});
  ASSERT_TRUE(process);
  EXPECT_FALSE((*process)->wait_for(std::chrono::milliseconds(50)));
  (*process)->stop(std::chrono::milliseconds(200));
  EXPECT_EQ((*process)->wait(), 128 + SIGTERM);
}

TEST(ProcessTest, FindExecutable) {
  EXPECT_TRUE(find_executable("sh"));
  EXPECT_FALSE(find_executable("ralph-no-such-program-xyz"));
  EXPECT_FALSE(find_executable("/nonexistent/claude"));
  EXPECT_TRUE(find_executable("/bin/sh"));
}

}  // namespace
}  // namespace ralph::agent
