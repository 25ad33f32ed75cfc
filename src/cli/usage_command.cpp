// `ralph usage daily|weekly|monthly|session|blocks` (README "Usage from Claude Code's
// transcripts"): every transcript of the user, with the sessions ralph started attributed
// through the user-level ledger and this project's cost log.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "budget/ledger.hpp"
#include "budget/periods.hpp"
#include "cli/commands.hpp"
#include "cli/live_view.hpp"
#include "cli/project.hpp"
#include "loop/signals.hpp"
#include "meter/cost_log.hpp"
#include "meter/pricing.hpp"
#include "meter/transcript_usage.hpp"
#include "plan/settings.hpp"
#include "report/usage_report.hpp"
#include "util/clock.hpp"

namespace ralph::cli {

namespace {

const char* env(const char* name) {
  return std::getenv(name);
}

void attribute(report::Attribution& attribution, const std::string& repo,
               const meter::IterationRecord& record) {
  if (!record.session_id || record.session_id->empty()) return;
  attribution[*record.session_id] =
      report::RalphSession{repo, record.run_id, record.iteration, record.item_id.value_or("")};
}

// The sessions ralph started, by session id: every record of the user-level ledger, and of
// this project's cost log (a run whose ledger was elsewhere). An unreadable ledger only costs
// the attribution, so it is a warning.
report::Attribution ralph_sessions(const Result<Project>& project) {
  report::Attribution attribution;
  std::optional<std::string> setting;
  if (project) {
    if (auto settings = project_settings(*project)) setting = settings->text("ledger");
  }
  auto ledger = budget::Ledger::open(setting, env);
  Status read =
      ledger->for_each_record([&](const std::string& repo, const meter::IterationRecord& record) {
        attribute(attribution, repo, record);
      });
  if (!read) fmt::print(stderr, "ralph: warning: {}\n", read.message());
  if (project) {
    meter::CostLog log(project->root / ".ralph" / "iterations.jsonl");
    std::string repo = project->root.string();
    (void)log.scan(0, [&](const meter::IterationRecord& record) {
      if (record.session_id && !attribution.contains(*record.session_id))
        attribute(attribution, repo, record);
    });
  }
  return attribution;
}

Result<report::UsagePeriod> period_named(const std::string& name) {
  if (name == "daily") return report::UsagePeriod::kDay;
  if (name == "weekly") return report::UsagePeriod::kWeek;
  if (name == "monthly") return report::UsagePeriod::kMonth;
  if (name == "session") return report::UsagePeriod::kSession;
  return make_error(fmt::format("unknown report \"{}\"", name));
}

}  // namespace

int run_usage(const UsageArgs& args) {
  // The zone: --timezone, else this project's ralph.json, else the machine's.
  const auto project = locate_project(args.plan_dir);
  std::string timezone;
  if (project) {
    if (auto settings = project_settings(*project))
      timezone = settings->text("timezone").value_or("");
  }
  if (args.timezone) timezone = *args.timezone;
  auto zone = budget::TimeZone::named(timezone);
  if (!zone) return fail(2, zone.message());

  report::UsageFilter filter;
  if (args.since) {
    auto day = zone->day(*args.since);
    if (!day) return fail(2, fmt::format("--since: {}", day.message()));
    filter.since_ms = epoch_ms(day->start);
  }
  if (args.until) {
    auto day = zone->day(*args.until);
    if (!day) return fail(2, fmt::format("--until: {}", day.message()));
    filter.until_ms = epoch_ms(day->end);  // the whole day given
  }
  if (filter.since_ms && filter.until_ms && *filter.until_ms <= *filter.since_ms)
    return fail(2, fmt::format("--until {} is before --since {}", *args.until, *args.since));
  if (args.project) filter.project = *args.project;

  std::optional<int64_t> token_limit;
  bool limit_is_max = false;
  if (args.token_limit) {
    if (args.report != "blocks") return fail(2, "--token-limit is for `ralph usage blocks`");
    // Read as ralph run's --block-limit is: tokens or "max".
    auto limit = plan::parse_setting_text(*plan::find_setting("block_limit"), *args.token_limit,
                                          "--token-limit");
    if (!limit) return fail(2, limit.message());
    limit_is_max = limit->is_string();
    if (!limit_is_max) token_limit = limit->get<int64_t>();
  }
  if (args.live && args.report != "blocks") return fail(2, "--live is for `ralph usage blocks`");
  if (args.breakdown && args.report == "blocks")
    return fail(2, "--breakdown is for the daily, weekly, monthly and session reports");

  meter::ScanOptions options{meter::transcript_roots(env), 0};
  auto pricing = meter::PricingTable::builtin();

  if (args.report == "blocks") {
    if (args.live) loop::install_interrupt_handlers();
    LiveView view(args.json);
    const auto period = std::chrono::milliseconds(static_cast<int64_t>(args.interval_s * 1000));
    for (;;) {
      meter::UsageScan scan = meter::scan_transcripts(options, pricing);
      report::BlocksReport blocks =
          report::blocks_report(scan, filter, *zone, token_limit, limit_is_max,
                                epoch_ms(std::chrono::system_clock::now()));
      std::string text = args.json ? report::blocks_json(blocks).dump() + "\n"
                                   : report::blocks_text(blocks, *zone);
      if (!args.live) {
        fmt::print("{}", text);
        return 0;
      }
      view.show(text);
      if (!loop::pause_unless_interrupted(period)) return 0;
    }
  }

  auto period = period_named(args.report);
  if (!period) return fail(2, period.message());
  meter::UsageScan scan = meter::scan_transcripts(options, pricing);
  report::UsageReport usage =
      report::usage_report(scan, *period, *zone, filter, ralph_sessions(project));
  if (args.json) {
    fmt::print("{}\n", report::usage_json(usage).dump());
  } else if (args.csv) {
    fmt::print("{}", report::usage_csv(usage, args.breakdown));
  } else {
    fmt::print("{}", report::usage_text(usage, args.breakdown));
  }
  return 0;
}

}  // namespace ralph::cli
