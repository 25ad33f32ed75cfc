#include "cli/cli.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "plan/settings.hpp"
#include "util/suggest.hpp"

namespace ralph::cli {

int fail(int code, const std::string& message) {
  fmt::print(stderr, "ralph: error: {}\n", message);
  return code;
}

namespace {

const std::vector<std::string> kCommands = {"init",   "run",    "validate", "costs", "status",
                                            "report", "doctor", "spend",    "usage"};

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
  for (const auto& spec : plan::setting_specs()) {
    if (spec.flag.empty()) continue;
    const std::string key = spec.key;
    if (spec.kind == plan::SettingKind::kSwitch) {
      run_cmd->add_flag_callback(
          spec.flag, [&run, key] { run.settings[key] = "true"; }, plan::setting_help(spec));
    } else {
      run_cmd
          ->add_option_function<std::string>(
              spec.flag, [&run, key](const std::string& text) { run.settings[key] = text; },
              plan::setting_help(spec))
          ->type_name(plan::setting_value_name(spec));
    }
  }
  run_cmd
      ->add_option("--agent-arg", run.agent_args,
                   "An extra argument for the agent "
                   "(repeatable)")
      ->allow_extra_args(false);
  run_cmd->add_flag("--resume", run.resume, "Continue the last run");
  run_cmd->add_flag("--new", run.fresh, "Start a new run even if the last was interrupted");
  run_cmd
      ->add_option("--events", run.events,
                   "Print events instead of lines: jsonl, one JSON object per event on stdout")
      ->check(CLI::IsMember({"jsonl"}));
  // The loop of one worktree of `--parallel`, started by the coordinator: hidden (group "").
  run_cmd->add_option("--worktree-item", run.worktree_item)->group("");
  run_cmd->add_option("--worktree-run", run.worktree_run)->group("");
  run_cmd->add_option("--worktree-main", run.worktree_main)->group("");
  run_cmd->add_option("--worktree-parent", run.worktree_parent)->group("");

  ValidateArgs validate;
  auto* validate_cmd = app.add_subcommand("validate",
                                          "Check plans/ and the agent; print every "
                                          "problem");
  add_plan_option(validate_cmd, validate.plan_dir);
  validate_cmd->add_flag("--explain", validate.explain,
                         "Also print each item's estimated complexity and start tier, and why");

  CostsArgs costs;
  auto* costs_cmd = app.add_subcommand("costs", "Per-iteration tokens and costs of a run");
  add_plan_option(costs_cmd, costs.plan_dir);
  auto* costs_json =
      costs_cmd->add_flag("--json", costs.json, "JSON: {\"iterations\": [...], \"totals\": {...}}");
  auto* costs_csv =
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
  costs_cmd
      ->add_flag("--insights", costs.insights,
                 "Where money went: waste, what-if per model, cache, context, anomalies")
      ->excludes(costs_csv);

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

  SpendArgs spend;
  auto* spend_cmd = app.add_subcommand(
      "spend", "What every loop of your ledger spent per day, week or month, against the caps");
  add_plan_option(spend_cmd, spend.plan_dir);
  auto* spend_json = spend_cmd->add_flag("--json", spend.json, "JSON instead of text");
  spend_cmd->add_flag("--csv", spend.csv, "CSV: period, repository, iterations, cost")
      ->excludes(spend_json);
  spend_cmd->add_option("--by", spend.by, "Rows per day, week or month")
      ->check(CLI::IsMember({"day", "week", "month"}))
      ->capture_default_str();
  spend_cmd->add_option("--per", spend.per, "Rows per repository, machine or user")
      ->check(CLI::IsMember({"repo", "machine", "user"}))
      ->capture_default_str();
  spend_cmd->add_option("--timezone", spend.timezone,
                        "IANA time zone of the periods (ralph.json's, else the machine's)");

  UsageArgs usage;
  auto* usage_cmd = app.add_subcommand(
      "usage", "Claude Code's own transcripts per day, week, month, session or 5-hour block");
  usage_cmd->add_option("report", usage.report, "daily, weekly, monthly, session or blocks")
      ->check(CLI::IsMember({"daily", "weekly", "monthly", "session", "blocks"}))
      ->capture_default_str();
  add_plan_option(usage_cmd, usage.plan_dir);
  auto* usage_json = usage_cmd->add_flag("--json", usage.json, "JSON with ccusage's field names");
  usage_cmd->add_flag("--csv", usage.csv, "CSV: a header, then a row per period")
      ->excludes(usage_json);
  usage_cmd->add_flag("--breakdown", usage.breakdown, "Rows per model under each period");
  usage_cmd->add_option("--since", usage.since, "From this date on (YYYY-MM-DD or YYYYMMDD)");
  usage_cmd->add_option("--until", usage.until, "Up to this date, included");
  usage_cmd->add_option("--timezone", usage.timezone,
                        "IANA time zone of the days (ralph.json's, else the machine's)");
  usage_cmd->add_option("--project", usage.project,
                        "Only sessions whose project folder or working directory holds this");
  usage_cmd->add_option("--token-limit", usage.token_limit,
                        "blocks: the tokens a block may hold, or max (the largest earlier block)");
  usage_cmd->add_flag("--live", usage.live, "blocks: refresh in place until Ctrl-C");
  usage_cmd->add_option("--interval", usage.interval_s, "Seconds between --live refreshes (2)")
      ->check(CLI::Range(0.05, 3600.0));

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
  if (spend_cmd->parsed()) return run_spend(spend);
  if (usage_cmd->parsed()) return run_usage(usage);
  return fail(2, "no command given (see `ralph --help`)");
}

}  // namespace ralph::cli
