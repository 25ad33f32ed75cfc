// One function per command; each returns the process exit code.
#pragma once

#include <map>
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
  // The run settings given as flags (plan/settings.hpp): key -> the flag's text.
  std::map<std::string, std::string> settings;
  std::vector<std::string> agent_args;
  bool resume = false;
  bool fresh = false;  // --new
  std::string events;  // --events: "jsonl", or empty for lines (README "Events")
  // Hidden: the loop of one worktree of a run of items side by side, as its coordinator starts
  // it (README "Running many loops"): the item, the run, the main work tree, and the
  // coordinator's pid.
  std::string worktree_item;
  std::string worktree_run;
  std::string worktree_main;
  int worktree_parent = 0;
};

struct ValidateArgs {
  std::string plan_dir = "plans";
  bool explain = false;  // each item's estimated complexity and start tier, and why
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
  bool insights = false;  // where money was wasted, and what to change (README "Insights")
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

struct SpendArgs {
  std::string plan_dir = "plans";  // whose ralph.json gives the caps and the zone
  bool json = false;
  bool csv = false;
  std::string by = "day";
  std::string per = "repo";  // repo, machine or user
  std::optional<std::string> timezone;
};

struct UsageArgs {
  std::string report = "daily";    // daily, weekly, monthly, session or blocks
  std::string plan_dir = "plans";  // whose ralph.json gives the zone and whose log attributes
  bool json = false;
  bool csv = false;
  bool breakdown = false;  // rows per model
  std::optional<std::string> since;
  std::optional<std::string> until;
  std::optional<std::string> timezone;
  std::optional<std::string> project;
  std::optional<std::string> token_limit;  // blocks: a count or "max"
  bool live = false;                       // blocks: refresh in place
  double interval_s = 2;
};

int run_init(const InitArgs& args);
int run_run(const RunArgs& args);
int run_validate(const ValidateArgs& args);
int run_costs(const CostsArgs& args);
int run_status(const StatusArgs& args);
int run_report(const ReportArgs& args);
int run_doctor(const DoctorArgs& args);
int run_spend(const SpendArgs& args);
int run_usage(const UsageArgs& args);

// "ralph: error: <what>" on stderr; returns `code`.
int fail(int code, const std::string& message);

}  // namespace ralph::cli
