// One function per command; each returns the process exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ralph::cli {

struct InitArgs {
  std::string plan_dir = "plans";
  bool force = false;
};

struct RunArgs {
  std::string plan_dir = "plans";
  std::optional<int> max_iterations;
  std::optional<double> budget;
  std::optional<double> iteration_budget;
  std::optional<std::string> model;
  std::optional<std::string> agent;
  std::vector<std::string> agent_args;
  std::optional<int> iteration_timeout;
  std::optional<int> idle_timeout;
  bool no_commit = false;
  std::optional<int> stall_after;
  std::optional<int> max_wait;
  std::optional<int> max_agent_failures;
  bool resume = false;
  bool fresh = false;  // --new
};

struct ValidateArgs {
  std::string plan_dir = "plans";
};

struct DoctorArgs {
  std::string plan_dir = "plans";
  bool json = false;
};

struct CostsArgs {
  std::string plan_dir = "plans";
  bool json = false;
  bool csv = false;
  std::optional<std::string> run_id;
  bool all = false;
  std::string by = "iteration";
  std::optional<std::string> since;
  std::optional<std::string> until;
};

struct ReportArgs {
  std::string plan_dir = "plans";
  std::string html;  // the page to write
  std::optional<std::string> run_id;
  bool all = false;
};

struct StatusArgs {
  std::string plan_dir = "plans";
  bool json = false;
  bool watch = false;
  double interval_s = 2;  // --watch's refresh period
};

int run_init(const InitArgs& args);
int run_run(const RunArgs& args);
int run_validate(const ValidateArgs& args);
int run_costs(const CostsArgs& args);
int run_status(const StatusArgs& args);
int run_report(const ReportArgs& args);
int run_doctor(const DoctorArgs& args);

// "ralph: error: <what>" on stderr; returns `code`.
int fail(int code, const std::string& message);

}  // namespace ralph::cli
