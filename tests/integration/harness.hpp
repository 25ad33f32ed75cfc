// Runs the built `ralph` against the real Claude Code CLI and the scripted Messages API, each
// test in its own git repository and $HOME.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scripted_api.hpp"

namespace ralph::integration {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::string last_line() const;  // of stdout
};

class Harness {
 public:
  // Starts the scripted API with tests/integration/scenarios/<scenario>.json and makes a
  // fresh git repository with one commit.
  explicit Harness(const std::string& scenario);
  ~Harness();

  const std::filesystem::path& repo() const { return repo_; }
  // The $HOME ralph and the agent run with; leftover_processes() finds processes that have it.
  const std::filesystem::path& home() const { return home_; }
  fake_api::ScriptedApi& api() { return *api_; }

  void write(const std::string& relative, const std::string& content) const;
  std::string read(const std::string& relative) const;
  // A plan of `count` items US-001... all failing, with the stock PROMPT.md of `ralph init`.
  void write_plan(int count) const;
  void commit_all(const std::string& message) const;
  // write_plan(count), committed as "Add the plan".
  void add_plan(int count) const;

  // Sets a variable in the environment of what ralph() and shell() start (after the rest).
  void set_env(const std::string& name, const std::string& value) { extra_env_[name] = value; }

  CommandResult ralph(const std::vector<std::string>& args) const;
  // Runs `sh -c script` in the repository with the environment ralph() gets.
  CommandResult shell(const std::string& script) const;
  // Starts ralph without waiting (output to files named after `tag`); `finish` waits for it.
  int start_ralph(const std::vector<std::string>& args, const std::string& tag) const;
  // Starts any command the same way, with the environment ralph() gets.
  int start(const std::vector<std::string>& argv, const std::string& tag) const;
  CommandResult finish(int pid, const std::string& tag) const;
  // Waits up to `grace` for it to end, then SIGKILLs it and waits: what Kubernetes does to a
  // container after SIGTERM and terminationGracePeriodSeconds. Killed, its exit code is 137.
  CommandResult finish_or_kill(int pid, const std::string& tag,
                               std::chrono::milliseconds grace) const;
  // Waits until what the command started as `tag` printed holds `text`; false at `timeout`.
  bool wait_for_output(const std::string& tag, const std::string& text,
                       std::chrono::milliseconds timeout) const;
  CommandResult git(const std::vector<std::string>& args) const;

  // The cost log's records.
  std::vector<nlohmann::json> records() const;
  // The `result` line of an iteration's raw stream file, or null.
  nlohmann::json agent_result(const std::string& run_id, int iteration) const;
  // Processes running right now with this test's $HOME in their environment, read from /proc
  // with no waiting (a zombie has ended and does not count).
  std::vector<int> leftover_processes() const;
  // Waits until `path` exists and is not empty; false at `timeout`.
  bool wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds timeout) const;
  // An agent as users give it: a script that runs the real CLI through `tee`, as
  // `--agent ./claude-wrapper.sh` does; `after` runs once the pipeline has ended. Its path.
  std::filesystem::path write_wrapper(const std::string& after = "") const;

 private:
  CommandResult run(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env) const;
  int spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::string& tag) const;
  std::map<std::string, std::string> agent_env() const;

  std::filesystem::path root_;
  std::filesystem::path repo_;
  std::filesystem::path home_;
  std::unique_ptr<fake_api::ScriptedApi> api_;
  std::map<std::string, std::string> extra_env_;
};

// Where the real Claude Code CLI is: $RALPH_CLAUDE or tests/support/node_modules/.bin/claude.
std::filesystem::path claude_path();

}  // namespace ralph::integration
