// `ralph costs`: the cost log as a table, JSON or CSV; by iteration, model, day or item.
// JSON and CSV stream: the log is read in blocks and written as it is read. `--insights`:
// where the selected records' money went (README "Insights").
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "budget/ledger.hpp"
#include "cli/commands.hpp"
#include "cli/project.hpp"
#include "loop/state.hpp"
#include "meter/cost_log.hpp"
#include "meter/price_drift.hpp"
#include "meter/record_text.hpp"
#include "meter/totals.hpp"
#include "plan/config.hpp"
#include "report/aggregate.hpp"
#include "report/cost_table.hpp"
#include "report/forecast.hpp"
#include "report/insights.hpp"
#include "report/projection.hpp"
#include "report/selection.hpp"
#include "util/clock.hpp"
#include "util/fs.hpp"

namespace ralph::cli {

namespace {

enum class Format { kTable, kJson, kCsv };

// Output gathered in memory and written in large pieces, once it is certain the command
// succeeds (the first selected record proves an asked-for run exists).
class Output {
 public:
  std::string& buffer() { return buffer_; }
  void maybe_flush(bool allowed) {
    if (allowed && buffer_.size() >= (1 << 20)) flush();
  }
  void flush() {
    std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

// The projection needs the plan: its items and how many still fail. Without a readable plan
// there is none, and `why_not` says why.
std::optional<plan::Plan> read_plan(const Project& project, std::string& why_not) {
  plan::Problems problems;
  auto plan = plan::reload_plan(project.plan, problems);
  if (!plan) why_not = problems.empty() ? "the plan cannot be read" : problems.front().to_string();
  return plan;
}

// The model ladder and the prices (with ralph.json's overrides) the insights use. Only
// ralph.json is read, so a plan whose prd.json has a problem still gets its insights; a
// ralph.json that cannot be read gives no ladder and the built-in table, with a warning.
struct InsightsPricing {
  meter::PricingTable pricing = meter::PricingTable::builtin();
  std::vector<std::string> ladder;
};

InsightsPricing insights_pricing(const Project& project) {
  InsightsPricing out;
  const std::string file = project.plan.display("ralph.json");
  auto warn = [&file](const std::string& why) {
    fmt::print(stderr,
               "ralph: warning: {}: insights use no model ladder and the built-in prices ({})\n",
               file, why);
  };
  std::error_code ec;
  if (!std::filesystem::exists(project.plan.config_path(), ec)) return out;
  auto text = read_file(project.plan.config_path());
  if (!text) {
    warn(text.message());
    return out;
  }
  plan::Problems problems;
  auto config = plan::parse_config(*text, file, problems);
  if (!config) {
    warn(problems.empty() ? "it cannot be read" : problems.front().to_string());
    return out;
  }
  meter::PricingTable pricing = meter::PricingTable::builtin();
  if (Status applied = pricing.apply_overrides(config->pricing); !applied) {
    warn("pricing: " + applied.message());
    return out;
  }
  out.pricing = std::move(pricing);
  out.ladder = config->settings.list("models");
  return out;
}

// `ralph costs --insights`: the selected records, then their insights as text or JSON.
int run_insights(const CostsArgs& args, const Project& project, const meter::CostLog& log,
                 const report::Selection& selection) {
  std::vector<meter::IterationRecord> records;
  auto scanned = log.scan_views(0, [&](const meter::RecordView& record) {
    if (selection.matches(record)) records.push_back(meter::to_record(record));
  });
  if (!scanned) return fail(1, scanned.message());
  if (args.run_id && records.empty()) {
    return fail(2, fmt::format("no iterations of run {} in .ralph/iterations.jsonl", *args.run_id));
  }
  if (scanned->skipped_lines > 0) {
    fmt::print(stderr, "ralph: warning: {} unreadable line{} in .ralph/iterations.jsonl skipped\n",
               scanned->skipped_lines, scanned->skipped_lines == 1 ? "" : "s");
  }
  if (!args.json && records.empty()) {
    fmt::print("{}\n", selection.run_id || args.since || args.until
                           ? "no iterations match"
                           : "no iterations recorded yet (.ralph/iterations.jsonl is empty)");
    return 0;
  }
  InsightsPricing priced = insights_pricing(project);
  auto insights = report::compute_insights(records, priced.pricing, priced.ladder);
  if (args.json) {
    fmt::print("{}\n", report::to_json(insights).dump(2));
  } else {
    fmt::print("{}", report::insights_text(insights));
  }
  return 0;
}

}  // namespace

int run_costs(const CostsArgs& args) {
  const Format format = args.json ? Format::kJson : args.csv ? Format::kCsv : Format::kTable;
  const auto by = report::parse_group_by(args.by);
  if (!by) return fail(2, fmt::format("--by {}: expected iteration, model, day or item", args.by));
  report::Selection selection;
  const auto now = std::chrono::system_clock::now();
  for (auto [text, until] : {std::pair{&args.since, false}, std::pair{&args.until, true}}) {
    if (!*text) continue;
    auto bound = report::parse_time_bound(**text, now, until);
    if (!bound) return fail(2, fmt::format("--{} {}", until ? "until" : "since", bound.message()));
    (until ? selection.until : selection.since) = format_rfc3339(*bound);
  }

  auto project = locate_project(args.plan_dir);
  if (!project) return fail(2, project.message());
  const auto state_dir = project->root / ".ralph";
  meter::CostLog log(state_dir / "iterations.jsonl");
  selection.run_id = args.run_id;
  if (!args.all && !args.run_id && !args.since && !args.until) {
    auto last = report::last_run_id(state_dir);
    if (!last) return fail(1, last.message());
    selection.run_id = *last;
  }
  if (args.insights) return run_insights(args, *project, log, selection);

  std::string no_projection;
  auto plan = read_plan(*project, no_projection);
  report::ProjectionBuilder projection;
  report::ForecastBuilder forecast;  // of the selected records
  std::optional<std::chrono::system_clock::time_point> first_started;
  report::Aggregator aggregator(*by);        // by iteration: only the totals
  std::vector<meter::IterationRecord> rows;  // the table's, which sizes its columns at the end
  Output out;
  bool any = false;
  if (format == Format::kJson) out.buffer() += "{\"iterations\": [";
  if (format == Format::kCsv && by == report::GroupBy::kIteration) {
    out.buffer() += report::csv_iteration_header();
  }
  meter::IterationRecord copied;  // of a record the output needs whole
  auto scanned = log.scan_views(0, [&](const meter::RecordView& record) {
    projection.add(record);
    if (!selection.matches(record)) return;
    aggregator.add(record);
    forecast.add(record);
    if (!first_started) first_started = parse_rfc3339_utc(record.started_at);
    if (format == Format::kJson) {
      out.buffer() += any ? ",\n  " : "\n  ";
      // The line as it is when it is what ralph writes for the record; else written anew.
      if (auto verbatim = meter::verbatim_json(record); !verbatim.empty()) {
        out.buffer() += verbatim;
      } else {
        meter::assign(copied, record);
        meter::append_record_json(out.buffer(), copied);
      }
    } else if (format == Format::kCsv && by == report::GroupBy::kIteration) {
      meter::assign(copied, record);
      report::append_csv_iteration(out.buffer(), copied);
    } else if (format == Format::kTable && by == report::GroupBy::kIteration) {
      rows.push_back(meter::to_record(record));
    }
    any = true;
    out.maybe_flush(true);
  });
  if (!scanned) return fail(1, scanned.message());
  if (args.run_id && !any) {
    return fail(2, fmt::format("no iterations of run {} in .ralph/iterations.jsonl", *args.run_id));
  }
  if (scanned->skipped_lines > 0) {
    fmt::print(stderr, "ralph: warning: {} unreadable line{} in .ralph/iterations.jsonl skipped\n",
               scanned->skipped_lines, scanned->skipped_lines == 1 ? "" : "s");
  }

  const meter::Totals& totals = aggregator.totals();
  const auto groups = aggregator.groups();
  // The forecast of what was selected, from its first start to its last end: against the run's
  // budget when one run is shown and state.json has it, and the calendar caps of ralph.json.
  std::optional<report::Forecast> forecast_shown;
  if (plan && first_started) {
    auto settings = project_settings(*project);
    if (!settings) return fail(2, settings.message());
    auto state = loop::read_state(state_dir / "state.json");
    std::optional<double> run_budget;
    if (state && selection.run_id == state->run_id) run_budget = state->budget_usd;
    auto ledger = budget::Ledger::open(settings->text("ledger"),
                                       [](const char* name) { return std::getenv(name); });
    forecast_shown = forecast.forecast(
        projection.projection(*plan), *first_started, now, false,
        report::forecast_caps(run_budget, totals.cost_usd, *settings, *ledger, now));
  }
  switch (format) {
    case Format::kJson: {
      std::string& b = out.buffer();
      b += any ? "\n],\n" : "],\n";
      b += fmt::format("\"totals\": {},\n", meter::to_json(totals).dump());
      if (by != report::GroupBy::kIteration) {
        b += fmt::format("\"by\": \"{}\",\n\"groups\": [", report::group_by_name(*by));
        for (size_t i = 0; i < groups.size(); ++i) {
          b += (i > 0 ? ",\n  " : "\n  ") + report::to_json(groups[i]).dump();
        }
        b += groups.empty() ? "],\n" : "\n],\n";
      }
      b += fmt::format("\"projection\": {},\n",
                       plan ? report::to_json(projection.projection(*plan)).dump() : "null");
      b += fmt::format("\"forecast\": {}\n}}\n",
                       forecast_shown ? report::to_json(*forecast_shown).dump() : "null");
      break;
    }
    case Format::kCsv:
      if (by != report::GroupBy::kIteration) {
        out.buffer() += report::csv_group_header(*by);
        for (const auto& group : groups) report::append_csv_group(out.buffer(), group);
      }
      break;
    case Format::kTable:
      if (!any) {
        out.buffer() += selection.run_id || args.since || args.until
                            ? "no iterations match\n"
                            : "no iterations recorded yet (.ralph/iterations.jsonl is empty)\n";
        break;
      }
      out.buffer() += by == report::GroupBy::kIteration ? report::iteration_table(rows, totals)
                                                        : report::group_table(*by, groups, totals);
      if (by == report::GroupBy::kIteration) {
        auto drifting = std::count_if(rows.begin(), rows.end(), meter::record_drifts);
        if (drifting > 0) {
          out.buffer() += fmt::format(
              "\n! in {} iteration{}, ralph's meter (metered, what the budget caps enforce) is "
              "more than 5% and $0.01 away from Claude Code's cost_usd: the pricing table looks "
              "stale for a model used there (`ralph validate` shows each model's price; see "
              "README \"Prices\")\n",
              drifting, drifting == 1 ? "" : "s");
        }
      }
      out.buffer() += "\n";
      out.buffer() += "projection: ";
      out.buffer() += plan ? report::projection_text(projection.projection(*plan))
                           : "none (" + no_projection + ")";
      out.buffer() += "\n";
      if (forecast_shown) {
        for (const auto& line : report::forecast_lines(*forecast_shown, now)) {
          out.buffer() += "forecast: " + line + "\n";
        }
      }
      break;
  }
  out.flush();
  return 0;
}

}  // namespace ralph::cli
