#include "agent/agent.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "agent/process.hpp"

namespace ralph::agent {

namespace {

class RealAgentProcess final : public AgentProcess {
 public:
  explicit RealAgentProcess(std::unique_ptr<Process> process) : process_(std::move(process)) {}
  Result<bool> read(std::chrono::milliseconds timeout, std::string& out,
                    std::string& err) override {
    return process_->read(timeout, out, err);
  }
  void stop(std::chrono::milliseconds grace, const std::function<bool()>& hurry) override {
    process_->stop(grace, hurry);
  }
  void await_exit() override { process_->await_exit(); }
  bool exited() override { return process_->exited(); }
  int wait() override { return process_->wait(); }
  int pid() const override { return process_->pid(); }

 private:
  std::unique_ptr<Process> process_;
};

}  // namespace

Result<std::unique_ptr<AgentProcess>> ProcessLauncher::launch(const LaunchSpec& spec) {
  SpawnSpec spawn{spec.argv, spec.cwd};
  spawn.env = spec.env;
  auto process = Process::spawn(spawn);
  if (!process) return process.error();
  return std::unique_ptr<AgentProcess>(new RealAgentProcess(std::move(*process)));
}

std::vector<std::string> agent_command(const CommandOptions& options) {
  std::vector<std::string> argv = {options.agent,
                                   "-p",
                                   options.prompt,
                                   "--output-format",
                                   "stream-json",
                                   "--verbose",
                                   "--include-partial-messages",
                                   "--dangerously-skip-permissions"};
  if (!options.model.empty()) {
    argv.push_back("--model");
    argv.push_back(options.model);
  }
  if (options.max_budget_usd) {
    argv.push_back("--max-budget-usd");
    // Rounded down to 1/100 of a cent so the agent never gets more than what is left.
    double rounded = std::floor(*options.max_budget_usd * 10000.0) / 10000.0;
    argv.push_back(fmt::format("{:.4f}", std::max(rounded, 0.0)));
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  return argv;
}

}  // namespace ralph::agent
