#include "agent/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <cstdlib>
#include <thread>

#include "util/fs.hpp"

extern char** environ;

namespace ralph::agent {

namespace {

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// RAII for the spawn attribute and file-action objects.
struct SpawnSetup {
  posix_spawnattr_t attr{};
  posix_spawn_file_actions_t actions{};
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

namespace {

Status make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(fmt::format("cannot create a pipe: {}", errno_text(errno)));
  }
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  if (::fcntl(read_end.get(), F_SETFL, O_NONBLOCK) != 0) {
    return make_error(fmt::format("cannot configure a pipe: {}", errno_text(errno)));
  }
  return ok_status();
}

// Appends what `fd` has to `out` without blocking; false at end of file (fd closed).
Result<bool> drain(UniqueFd& fd, std::string& out) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buffer) return true;
      continue;
    }
    if (n == 0) {
      fd.reset();
      return false;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
    return make_error(fmt::format("cannot read the agent's output: {}", errno_text(errno)));
  }
}

// ralph's environment with `overrides` set on top, as "NAME=value" strings.
std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> entries;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [key, value] : overrides) replaced = replaced || key == name;
    if (!replaced) entries.emplace_back(entry);
  }
  for (const auto& [key, value] : overrides) entries.push_back(key + "=" + value);
  return entries;
}

}  // namespace

Result<std::unique_ptr<Process>> Process::spawn(const SpawnSpec& spec) {
  if (spec.argv.empty()) return make_error("no program to start");
  UniqueFd out_read, out_write, err_read, err_write;
  if (spec.output_file.empty()) {
    if (Status s = make_pipe(out_read, out_write); !s) return s.error();
    if (Status s = make_pipe(err_read, err_write); !s) return s.error();
  }

  SpawnSetup setup;
  sigset_t all_signals;
  sigfillset(&all_signals);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(&setup.attr, &all_signals);
  posix_spawnattr_setsigmask(&setup.attr, &no_signals);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  // Paths are opened before the chdir: relative ones are relative to ralph's directory.
  const std::string stdin_file = spec.stdin_file.empty() ? "/dev/null" : spec.stdin_file.string();
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, stdin_file.c_str(), O_RDONLY, 0);
  if (spec.output_file.empty()) {
    posix_spawn_file_actions_adddup2(&setup.actions, out_write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, err_write.get(), STDERR_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, spec.output_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
  }
  if (!spec.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, spec.cwd.c_str());
  }

  std::vector<char*> argv;
  for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_entries;
  std::vector<char*> envp;
  if (!spec.env.empty()) {
    env_entries = child_environment(spec.env);
    for (auto& entry : env_entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
  }

  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(),
                        spec.env.empty() ? environ : envp.data());
  if (rc != 0) {
    return make_error(fmt::format("cannot start {}: {}", spec.argv[0], errno_text(rc)));
  }
  return std::unique_ptr<Process>(new Process(pid, std::move(out_read), std::move(err_read)));
}

Process::~Process() {
  if (!reaped_) {
    stop(std::chrono::milliseconds(2000));
    reap();
  }
}

Result<bool> Process::read(std::chrono::milliseconds timeout, std::string& out, std::string& err) {
  if (!stdout_.valid()) return false;
  pollfd fds[2] = {{stdout_.get(), POLLIN, 0}, {stderr_.get(), POLLIN, 0}};
  int ready = ::poll(fds, stderr_.valid() ? 2 : 1, static_cast<int>(timeout.count()));
  if (ready < 0) {
    if (errno == EINTR) return true;
    return make_error(fmt::format("cannot poll the agent's output: {}", errno_text(errno)));
  }
  if (stderr_.valid() && fds[1].revents != 0) {
    if (auto more = drain(stderr_, err); !more) return more.error();
  }
  if (fds[0].revents == 0) return true;
  auto more = drain(stdout_, out);
  if (more && !*more && stderr_.valid()) {
    (void)drain(stderr_, err);  // what the agent said last, as it ended
  }
  return more;
}

bool Process::leader_exited(std::optional<std::chrono::milliseconds> timeout) {
  if (reaped_) return true;
  // WNOWAIT leaves the leader a zombie, which keeps its process group id reserved until what
  // is left of the group has been signalled.
  auto has_exited = [&](int flags) {
    for (;;) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT | flags) == 0) {
        return info.si_pid == pid_;
      }
      if (errno != EINTR) return true;  // not our child any more: nothing to wait for
    }
  };
  if (!timeout) return has_exited(0);
  auto deadline = std::chrono::steady_clock::now() + *timeout;
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
  for (;;) {
    if (has_exited(WNOHANG)) return true;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (pidfd.valid()) {
      pollfd pfd{pidfd.get(), POLLIN, 0};
      ::poll(&pfd, 1, static_cast<int>(left.count()));
    } else {
      std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(10)));
    }
  }
}

void Process::reap() {
  if (reaped_) return;
  for (;;) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, 0);
    if (done == pid_) {
      exit_code_ = exit_code_of(status);
      break;
    }
    if (done < 0 && errno != EINTR) {
      exit_code_ = 1;
      break;
    }
  }
  reaped_ = true;
  stdout_.reset();
  stderr_.reset();
}

void Process::stop(std::chrono::milliseconds grace, const std::function<bool()>& hurry) {
  if (reaped_) return;
  ::kill(-pid_, SIGTERM);
  // In short slices, so a hurry (a second Ctrl-C) is seen soon.
  const auto deadline = std::chrono::steady_clock::now() + grace;
  bool exited = false;
  while (!exited) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || (hurry && hurry())) break;
    exited = leader_exited(std::min(left, std::chrono::milliseconds(100)));
  }
  if (!exited) ::kill(-pid_, SIGKILL);
  leader_exited(std::nullopt);
  ::kill(-pid_, SIGKILL);  // what is left of the group, while the leader keeps its id taken
}

bool Process::wait_for(std::chrono::milliseconds timeout) {
  return leader_exited(timeout);
}

void Process::await_exit() {
  leader_exited(std::nullopt);
}

bool Process::exited() {
  if (reaped_) return true;
  siginfo_t info{};
  // Not reaped (WNOWAIT): wait() still gets its exit code.
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != EINTR) return true;  // not our child any more: nothing to wait for
  }
  return info.si_pid == pid_;
}

int Process::wait() {
  leader_exited(std::nullopt);
  reap();
  return exit_code_;
}

std::optional<std::filesystem::path> find_executable(const std::string& name) {
  auto usable = [](const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
  };
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    return usable(name) ? std::optional<std::filesystem::path>(name) : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (usable(candidate)) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

}  // namespace ralph::agent
