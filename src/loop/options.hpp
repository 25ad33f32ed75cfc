// The settings of one `ralph run`, resolved from flags, plans/ralph.json and defaults.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan_folder.hpp"

namespace ralph::loop {

struct RunOptions {
  std::filesystem::path repo_root;
  plan::PlanFolder plan;
  int max_iterations = 50;
  std::optional<double> budget;
  std::optional<double> iteration_budget;
  std::string model;  // "" = the agent's default
  std::string agent = "claude";
  std::vector<std::string> agent_args;
  std::chrono::seconds iteration_timeout{3600};
  std::chrono::seconds idle_timeout{1800};  // 0: none
  std::chrono::seconds result_grace{30};
  bool no_commit = false;
  // An agent rewrote the run's branch (ralph's last commit is no longer on it): halt with
  // `error` instead of warning and going on (ralph.json "on_history_rewrite": "halt").
  bool halt_on_history_rewrite = false;
  int stall_after = 3;
  std::chrono::seconds max_wait{21600};
  int max_agent_failures = 3;  // consecutive failed iterations before agent_fatal
  std::chrono::milliseconds stop_grace{5000};
  enum class Resume { kAuto, kResume, kNew } resume = Resume::kAuto;
  // Waits between failed iterations: base * 2^(failures - 1), at most the cap.
  std::chrono::seconds retry_backoff{10};
  std::chrono::seconds retry_backoff_cap{300};
  // Lifecycle hooks (README "Hooks"): event -> executables, relative to repo_root or absolute.
  std::map<std::string, std::vector<std::string>> hooks;
  std::chrono::seconds hook_timeout{300};
  // Where the agent keeps its transcripts ($HOME of the agent, which is ralph's).
  std::filesystem::path agent_home;

  std::filesystem::path state_dir() const { return repo_root / ".ralph"; }
  std::filesystem::path log_path() const { return state_dir() / "iterations.jsonl"; }
  std::filesystem::path state_path() const { return state_dir() / "state.json"; }
};

}  // namespace ralph::loop
