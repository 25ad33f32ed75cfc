// `ralph spend` (README "Looking at runs and costs"): what every loop of the ledger spent per
// day, week or month and per repository, machine or user, and the current periods against the
// calendar caps.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "budget/budgets.hpp"
#include "budget/ledger.hpp"
#include "budget/periods.hpp"

namespace ralph::report {

// What a row is of, beside its period.
enum class SpendPer { kRepo, kMachine, kUser };
// "repo", "machine", "user": the --per value and the JSON and CSV field.
std::string per_name(SpendPer per);

struct SpendRow {
  std::string period;  // "2026-12-02", "2026-W49", "2026-12"
  std::string of;      // the repository, machine or user
  int iterations = 0;
  double cost_usd = 0;
};

// The current day, week or month against its cap.
struct PeriodSpend {
  budget::Scope scope = budget::Scope::kDay;
  std::string period;
  double spent_usd = 0;  // recorded in the ledger
  std::optional<double> budget_usd;
  budget::WallTime resets_at;
  std::string resets_text;
};

struct SpendReport {
  std::string ledger;
  std::string timezone;
  budget::Scope by = budget::Scope::kDay;
  SpendPer per = SpendPer::kRepo;
  std::vector<PeriodSpend> current;  // day, week, month
  double in_flight_usd = 0;          // what running loops are spending, not recorded yet
  std::vector<SpendRow> rows;        // oldest period first, then by repository (machine, user)
  int iterations = 0;
  double cost_usd = 0;
};

// `caps`: the day, week and month limits (the run's, iteration's and item's are not read).
SpendReport spend_report(const std::vector<budget::LedgerEntry>& entries,
                         const budget::TimeZone& zone, budget::Scope by, SpendPer per,
                         const budget::Limits& caps, budget::WallTime now);

std::string spend_text(const SpendReport& report);
nlohmann::json to_json(const SpendReport& report);
std::string spend_csv(const SpendReport& report);

}  // namespace ralph::report
