#include "cli/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "util/suggest.hpp"

namespace ralph::cli {

int fail(int code, const std::string& message) {
  fmt::print(stderr, "ralph: error: {}\n", message);
  return code;
}

namespace {

const std::vector<std::string> kCommands = {"init",   "run",    "validate", "costs",
                                            "status", "report", "doctor"};

void add_plan_option(CLI::App* command, std::string& plan_dir) {
  command->add_option("--plan", plan_dir, "The plan folder")->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "ralph: runs a coding agent in a loop until a plan is done, metering every "
      "iteration's tokens and dollars and committing its work."};
  app.set_version_flag("--version", std::string("ralph ") + RALPH_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  InitArgs init;
  auto* init_cmd = app.add_subcommand("init",
                                      "Scaffold plans/ from the template; add .ralph/ "
                                      "to .gitignore");
  add_plan_option(init_cmd, init.plan_dir);
  init_cmd->add_flag("--force", init.force, "Overwrite existing plan files");

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run",
                                     "Run the loop until the plan is done or a limit "
                                     "is reached");
  add_plan_option(run_cmd, run.plan_dir);
  run_cmd->add_option("--max-iterations", run.max_iterations, "Stop after N iterations (50)")
      ->check(CLI::Range(1, 1'000'000'000));
  run_cmd->add_option("--budget", run.budget, "Hard cap in USD on this run's agent cost")
      ->check(CLI::PositiveNumber);
  run_cmd
      ->add_option("--iteration-budget", run.iteration_budget, "Cap in USD on one iteration's cost")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--model", run.model, "Model for items that name none");
  run_cmd->add_option("--agent", run.agent, "The agent executable (claude on PATH)");
  run_cmd
      ->add_option("--agent-arg", run.agent_args,
                   "An extra argument for the agent "
                   "(repeatable)")
      ->allow_extra_args(false);
  run_cmd
      ->add_option("--iteration-timeout", run.iteration_timeout,
                   "Wall-clock limit of one iteration in seconds (3600)")
      ->check(CLI::Range(1, 1'000'000'000));
  run_cmd
      ->add_option("--idle-timeout", run.idle_timeout,
                   "Stop an iteration after this many seconds with no output from the agent "
                   "(1800; 0: never)")
      ->check(CLI::Range(0, 1'000'000'000));
  run_cmd->add_flag("--no-commit", run.no_commit, "Meter and log, but make no commits");
  run_cmd
      ->add_option("--stall-after", run.stall_after,
                   "Halt after N iterations in a row without progress (3)")
      ->check(CLI::Range(1, 1'000'000));
  run_cmd
      ->add_option("--max-wait", run.max_wait,
                   "Longest wait in seconds for a usage limit to reset (21600)")
      ->check(CLI::Range(0, 1'000'000'000));
  run_cmd
      ->add_option("--max-agent-failures", run.max_agent_failures,
                   "Halt after N failed iterations in a row (3)")
      ->check(CLI::Range(1, 1'000'000));
  run_cmd->add_flag("--resume", run.resume, "Continue the last run");
  run_cmd->add_flag("--new", run.fresh, "Start a new run even if the last was interrupted");

  ValidateArgs validate;
  auto* validate_cmd = app.add_subcommand("validate",
                                          "Check plans/ and the agent; print every "
                                          "problem");
  add_plan_option(validate_cmd, validate.plan_dir);

  CostsArgs costs;
  auto* costs_cmd = app.add_subcommand("costs", "Per-iteration tokens and costs of a run");
  add_plan_option(costs_cmd, costs.plan_dir);
  auto* costs_json =
      costs_cmd->add_flag("--json", costs.json, "JSON: {\"iterations\": [...], \"totals\": {...}}");
  costs_cmd->add_flag("--csv", costs.csv, "CSV: a header, then one row per iteration or group")
      ->excludes(costs_json);
  auto* costs_run =
      costs_cmd->add_option("--run", costs.run_id, "The run to show (default: the last)");
  costs_cmd->add_flag("--all", costs.all, "Every run in the log")->excludes(costs_run);
  costs_cmd->add_option("--by", costs.by, "Rows per iteration, model, day (UTC) or item")
      ->check(CLI::IsMember({"iteration", "model", "day", "item"}))
      ->capture_default_str();
  costs_cmd->add_option("--since", costs.since,
                        "Iterations started at or after a date, an RFC 3339 time or an age "
                        "(7d); implies --all unless --run is given");
  costs_cmd->add_option("--until", costs.until,
                        "Iterations started before a time (a date means the end of that day)");

  StatusArgs status;
  auto* status_cmd =
      app.add_subcommand("status", "The current or last run, plan progress, spend against budget");
  add_plan_option(status_cmd, status.plan_dir);
  status_cmd->add_flag("--json", status.json, "JSON instead of text");
  status_cmd->add_flag("--watch", status.watch, "Refresh while a run is active");
  status_cmd->add_option("--interval", status.interval_s, "Seconds between refreshes (2)")
      ->check(CLI::Range(0.05, 3600.0));
  ReportArgs report;
  auto* report_cmd =
      app.add_subcommand("report", "A self-contained HTML page with charts of the cost log");
  add_plan_option(report_cmd, report.plan_dir);
  report_cmd->add_option("--html", report.html, "The page to write")->type_name("FILE")->required();
  auto* report_run =
      report_cmd->add_option("--run", report.run_id, "The run to show (default: the last)");
  report_cmd->add_flag("--all", report.all, "Every run in the log")->excludes(report_run);

  DoctorArgs doctor;
  auto* doctor_cmd = app.add_subcommand(
      "doctor", "Check everything a long run needs: agent, credentials, git, plan, disk, prices");
  add_plan_option(doctor_cmd, doctor.plan_dir);
  doctor_cmd->add_flag("--json", doctor.json, "JSON instead of text");

  // A misspelt command gets a suggestion rather than CLI11's generic complaint.
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(kCommands.begin(), kCommands.end(), argv[1]) == kCommands.end()) {
    std::string hint = closest_name(argv[1], kCommands);
    return fail(2, hint.empty() ? fmt::format("unknown command \"{}\": the commands are {}",
                                              argv[1], fmt::join(kCommands, ", "))
                                : fmt::format("unknown command \"{}\": did you mean \"{}\"?",
                                              argv[1], hint));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return fail(2, fmt::format("{} (see `ralph --help`)", e.what()));
  }

  if (init_cmd->parsed()) return run_init(init);
  if (run_cmd->parsed()) return run_run(run);
  if (validate_cmd->parsed()) return run_validate(validate);
  if (costs_cmd->parsed()) return run_costs(costs);
  if (status_cmd->parsed()) return run_status(status);
  if (report_cmd->parsed()) return run_report(report);
  if (doctor_cmd->parsed()) return run_doctor(doctor);
  return fail(2, "no command given (see `ralph --help`)");
}

}  // namespace ralph::cli
