// `ralph report --html FILE`: the cost log of one run (or all) as a self-contained page.
#include <fmt/format.h>

#include <cstdlib>

#include <set>

#include "budget/ledger.hpp"
#include "cli/commands.hpp"
#include "cli/project.hpp"
#include "loop/state.hpp"
#include "meter/cost_log.hpp"
#include "meter/totals.hpp"
#include "report/forecast.hpp"
#include "report/html_report.hpp"
#include "report/projection.hpp"
#include "report/selection.hpp"
#include "util/clock.hpp"
#include "util/fs.hpp"

namespace ralph::cli {

namespace fs = std::filesystem;

namespace {

// Titles, the plan line and the projection from prd.json (and the pricing from ralph.json)
// when the plan folder loads; otherwise what the page says instead.
void add_plan(const Project& project, const report::ProjectionBuilder& projection,
              report::ReportPage& page) {
  plan::Problems problems;
  auto loaded = plan::load_plan_folder(project.plan, problems);
  std::optional<plan::Plan> prd;
  if (loaded) {
    page.pricing = loaded->pricing;
    prd = loaded->plan;
  } else {
    problems.clear();
    prd = plan::reload_plan(project.plan, problems);
  }
  if (!prd) {
    page.projection_note =
        fmt::format("no projection: {} could not be read ({})", project.plan.display("prd.json"),
                    problems.empty() ? "unknown problem" : problems.front().to_string());
    return;
  }
  for (const auto& item : prd->items) page.item_titles[item.id] = item.title;
  int passing = static_cast<int>(plan::passing_ids(*prd).size());
  int total = static_cast<int>(prd->items.size());
  page.plan_summary =
      fmt::format("{}{} of {} item{} pass", prd->project.empty() ? "" : prd->project + ": ",
                  passing, total, total == 1 ? "" : "s");
  page.projection = projection.projection(*prd);
}

// The rates, the time to finish and the caps of the records shown. `running`: the shown run is
// still going; `budget_usd`: its budget, when the page knows it; `settings`: ralph.json's (its
// calendar caps).
void add_forecast(bool running, std::optional<double> budget_usd, const plan::Settings& settings,
                  report::ReportPage& page) {
  if (page.records.empty()) return;  // the page says there is nothing yet
  auto started = parse_rfc3339_utc(page.records.front().started_at);
  if (!started) {
    page.forecast_note =
        fmt::format("no forecast: the first iteration's started_at ({}) is not a time",
                    page.records.front().started_at);
    return;
  }
  report::ForecastBuilder builder;
  for (const auto& record : page.records) builder.add(record);
  const auto now = std::chrono::system_clock::now();
  auto ledger = budget::Ledger::open(settings.text("ledger"),
                                     [](const char* name) { return std::getenv(name); });
  page.forecast = builder.forecast(
      page.projection.value_or(report::Projection{}), *started, now, running,
      report::forecast_caps(budget_usd, meter::sum(page.records).cost_usd, settings, *ledger, now));
}

}  // namespace

int run_report(const ReportArgs& args) {
  if (args.all && args.run_id) return fail(2, "--run and --all exclude each other");
  if (args.html.empty()) return fail(2, "--html needs a file name (see `ralph report --help`)");
  fs::path out = args.html;
  std::error_code ec;
  fs::path folder = out.parent_path();
  if (!folder.empty() && !fs::is_directory(folder, ec)) {
    return fail(2, fmt::format("cannot write {}: the folder {} does not exist", out.string(),
                               folder.string()));
  }
  if (fs::is_directory(out, ec)) {
    return fail(2, fmt::format("cannot write {}: it is a folder", out.string()));
  }

  auto project = locate_project(args.plan_dir);
  if (!project) return fail(2, project.message());
  const fs::path state_dir = project->root / ".ralph";
  auto state = loop::read_state(state_dir / "state.json");
  std::optional<std::string> run_id = args.run_id;
  if (!args.all && !run_id) {
    auto last = report::last_run_id(state_dir);
    if (!last) return fail(1, last.message());
    run_id = *last;
  }
  // One pass over the log: the page keeps the selected records; the projection learns
  // from all of them.
  report::ReportPage page;
  report::ProjectionBuilder projection;
  std::set<std::string> runs;
  auto scanned = meter::CostLog(state_dir / "iterations.jsonl")
                     .scan_views(0, [&](const meter::RecordView& record) {
                       projection.add(record);
                       if (run_id && record.run_id != *run_id) return;
                       page.records.push_back(meter::to_record(record));
                       runs.emplace(record.run_id);
                     });
  if (!scanned) return fail(1, scanned.message());
  if (args.run_id && page.records.empty()) {
    return fail(2, fmt::format("no iterations of run {} in .ralph/iterations.jsonl", *args.run_id));
  }

  if (run_id) {
    page.scope = "run " + *run_id;
  } else {
    page.scope = runs.empty() ? "no runs yet" : fmt::format("all runs ({})", runs.size());
  }
  // The state file describes the last run only: its status and budget apply when the page
  // shows just that run.
  bool state_run = state && runs.size() <= 1 &&
                   ((run_id && *run_id == state->run_id) ||
                    (runs.size() == 1 && *runs.begin() == state->run_id));
  if (state_run) {
    page.run_status =
        state->status == "halted"
            ? fmt::format("halted: {}{}", state->halt_reason,
                          state->halt_detail.empty() ? "" : " - " + state->halt_detail)
            : state->status;
  }
  if (state_run && state->budget_usd) {
    page.budget_usd = state->budget_usd;
  } else if (runs.empty()) {
    page.budget_note = "nothing recorded yet";
  } else if (runs.size() > 1) {
    page.budget_note = "budgets are per run, and this page covers several runs";
  } else if (state_run) {
    page.budget_note = "no budget was set for this run";
  } else if (!state) {
    page.budget_note = "no .ralph/state.json to read the run's budget from";
  } else {
    page.budget_note = "the budget is known only for the last run, " + state->run_id;
  }
  add_plan(*project, projection, page);
  auto settings = project_settings(*project);
  if (!settings) return fail(2, settings.message());
  page.ladder = settings->list("models");  // the insights' what-if and start lower
  add_forecast(state_run && state->status == "running", page.budget_usd, *settings, page);
  page.generated_at = format_rfc3339(std::chrono::system_clock::now());

  if (Status written = write_file_atomic(out, report::render_html_report(page)); !written) {
    return fail(1, written.message());
  }
  meter::Totals totals = meter::sum(page.records);
  fmt::print("wrote {}: {} iteration{}, ${:.4f}\n", out.string(), totals.iterations,
             totals.iterations == 1 ? "" : "s", totals.cost_usd);
  return 0;
}

}  // namespace ralph::cli
