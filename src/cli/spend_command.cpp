// `ralph spend`: the ledger (the user's file, or the shared database) per day, week or month and
// per repository, machine or user, against the calendar caps of the plan's ralph.json (README
// "Looking at runs and costs").
#include <fmt/format.h>

#include <cstdlib>

#include "budget/ledger.hpp"
#include "budget/periods.hpp"
#include "cli/commands.hpp"
#include "cli/project.hpp"
#include "report/spend.hpp"

namespace ralph::cli {

int run_spend(const SpendArgs& args) {
  budget::Scope by = args.by == "week"    ? budget::Scope::kWeek
                     : args.by == "month" ? budget::Scope::kMonth
                                          : budget::Scope::kDay;
  // The caps and the zone of this project's ralph.json, when there is one.
  budget::Limits caps;
  std::string timezone;
  std::optional<std::string> ledger_setting;
  if (auto project = locate_project(args.plan_dir)) {
    auto settings = project_settings(*project);
    if (!settings) return fail(2, settings.message());
    caps.day = settings->dollars("daily_budget");
    caps.week = settings->dollars("weekly_budget");
    caps.month = settings->dollars("monthly_budget");
    timezone = settings->text("timezone").value_or("");
    ledger_setting = settings->text("ledger");
  }
  if (args.timezone) timezone = *args.timezone;
  auto zone = budget::TimeZone::named(timezone);
  if (!zone) return fail(2, zone.message());

  report::SpendPer per = args.per == "machine" ? report::SpendPer::kMachine
                         : args.per == "user"  ? report::SpendPer::kUser
                                               : report::SpendPer::kRepo;

  auto ledger =
      budget::Ledger::open(ledger_setting, [](const char* name) { return std::getenv(name); });
  if (Status s = ledger->refresh(); !s) return fail(1, s.message());
  if (auto note = ledger->take_note()) fmt::print(stderr, "{}\n", *note);
  report::SpendReport report = report::spend_report(ledger->entries(), *zone, by, per, caps,
                                                    std::chrono::system_clock::now());
  report.ledger = ledger->where();
  report.in_flight_usd = ledger->others_live();
  if (args.json) {
    fmt::print("{}\n", report::to_json(report).dump());
  } else if (args.csv) {
    fmt::print("{}", report::spend_csv(report));
  } else {
    fmt::print("{}", report::spend_text(report));
  }
  return 0;
}

}  // namespace ralph::cli
