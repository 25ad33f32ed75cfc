// The agent as the loop sees it: something started per iteration that prints stream-json
// lines and can be stopped. The real one is a Process; tests use a fake.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace ralph::agent {

class AgentProcess {
 public:
  virtual ~AgentProcess() = default;
  // Waits up to `timeout` for output and appends it to `out` (stdout) and `err` (stderr);
  // false once stdout has ended.
  virtual Result<bool> read(std::chrono::milliseconds timeout, std::string& out,
                            std::string& err) = 0;
  // Stops the agent's process group: SIGTERM, `grace` (cut short when `hurry` turns true),
  // SIGKILL. It is reaped by wait().
  virtual void stop(std::chrono::milliseconds grace, const std::function<bool()>& hurry) = 0;
  // Whether the agent (the process ralph started) has exited, even if something it started
  // still holds its output open.
  virtual bool exited() = 0;
  // Until the agent has exited, not reaped: its process group id stays taken, so what it
  // left in its group can be stopped by that id first.
  virtual void await_exit() = 0;
  // Waits for the agent to exit; its exit code. What it left running is not stopped here
  // (agent/process_tree.hpp).
  virtual int wait() = 0;
  // Its pid, which is also its process group id (0 when there is no real process).
  virtual int pid() const = 0;
};

struct LaunchSpec {
  std::vector<std::string> argv;
  std::filesystem::path cwd;
  // Set in the agent's environment on top of ralph's (RALPH_RUN_ID, RALPH_PROCESS_TAG...).
  std::vector<std::pair<std::string, std::string>> env;
};

class AgentLauncher {
 public:
  virtual ~AgentLauncher() = default;
  virtual Result<std::unique_ptr<AgentProcess>> launch(const LaunchSpec& spec) = 0;
};

// Starts the real agent executable.
class ProcessLauncher final : public AgentLauncher {
 public:
  Result<std::unique_ptr<AgentProcess>> launch(const LaunchSpec& spec) override;
};

struct CommandOptions {
  std::string agent;  // the executable
  std::string prompt;
  std::string model;                     // empty: the agent's default
  std::optional<double> max_budget_usd;  // the run's remaining budget
  std::vector<std::string> extra_args;
};

// The agent's argv (README "Configuration").
std::vector<std::string> agent_command(const CommandOptions& options);

}  // namespace ralph::agent
