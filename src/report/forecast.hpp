// How fast money and time go, and where they lead (README "Looking at runs and costs"): the burn
// rate over the run and over its last 5 iterations, iterations per hour, the time to finish the
// items left (from the projection), when each cap is reached at the current rate, and whether
// the expected cost to finish fits in what the tightest cap has left.
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "budget/ledger.hpp"
#include "meter/record.hpp"
#include "plan/settings.hpp"
#include "report/projection.hpp"

namespace ralph::report {

using WallTime = std::chrono::system_clock::time_point;

struct CapForecast {
  std::string cap;  // "run", "day", "week", "month"
  double budget_usd = 0;
  double spent_usd = 0;
  std::optional<WallTime> resets_at;   // a calendar cap's period end
  std::optional<WallTime> reached_at;  // at the current rate; none: not before it resets, or
                                       // no rate yet
  bool reached = false;                // already spent
};

struct Forecast {
  std::optional<double> burn_usd_per_hour;         // the run's cost over its elapsed time
  std::optional<double> recent_burn_usd_per_hour;  // its last 5 iterations' cost over their span
  int recent_iterations = 0;                       // how many that was (fewer early on)
  std::optional<double> iterations_per_hour;
  std::optional<double> hours_per_completed_item;  // the projection's basis
  std::optional<double> finish_hours;              // to finish the items left
  std::optional<double> finish_low_hours;
  std::optional<double> finish_high_hours;
  std::optional<WallTime> finish_at;
  std::vector<CapForecast> caps;
  std::optional<bool> within_budget;  // none: no projection, or no cap
};

// Fed the records of one run in log order.
class ForecastBuilder {
 public:
  void add(const meter::RecordView& record);
  // `started`: when the run started; `now`; `running`: the run is still going (its elapsed time
  // runs to now, else to its last record's end); `caps` with their budget, spend and reset.
  Forecast forecast(const Projection& projection, WallTime started, WallTime now, bool running,
                    std::vector<CapForecast> caps) const;

 private:
  struct Span {
    WallTime started;
    WallTime ended;
    double cost = 0;
  };
  int iterations_ = 0;
  double cost_ = 0;
  std::optional<WallTime> last_ended_;
  std::deque<Span> recent_;  // the last 5
};

// What a run's forecast is measured against: its budget (`run_spent` of it spent), and the
// daily, weekly and monthly caps of `settings`, with what every loop of `ledger` spent in the
// current period (recorded, and live in running loops). A ledger or zone that cannot be read
// leaves the calendar caps out: no forecast is better than a wrong one.
std::vector<CapForecast> forecast_caps(std::optional<double> run_budget, double run_spent,
                                       const plan::Settings& settings, budget::Ledger& ledger,
                                       WallTime now);

nlohmann::json to_json(const Forecast& forecast);
// Two lines for people: the rates, then time to finish, the caps and whether it fits.
std::vector<std::string> forecast_lines(const Forecast& forecast, WallTime now);

}  // namespace ralph::report
