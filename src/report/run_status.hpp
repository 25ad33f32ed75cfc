// `ralph status`: plan progress, the current or last run, spend against its budget and the
// projection. A StatusSource keeps what it read, so refreshing it (`--watch`) re-reads only
// the state file, the plan and the log lines appended since.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "budget/ledger.hpp"
#include "loop/state.hpp"
#include "meter/cost_log.hpp"
#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "meter/stream_meter.hpp"
#include "meter/totals.hpp"
#include "plan/plan_folder.hpp"
#include "report/forecast.hpp"
#include "report/projection.hpp"
#include "util/result.hpp"

namespace ralph::report {

struct PlanProgress {
  std::string file;  // "plans/prd.json"
  int items_total = 0;
  int items_passing = 0;
  std::optional<std::string> next_id;
  std::string next_title;
  std::string problem;  // set when prd.json cannot be read
};

// A run's last iteration, as `ralph status` shows it.
struct LastIteration {
  int iteration = 0;
  std::optional<std::string> item_id;
  std::string outcome;
};

// One run's iterations as the log has them.
struct RunSums {
  meter::Totals totals;
  std::optional<LastIteration> last;
  std::vector<int> history_rewrites;  // iterations whose agent rewrote the run's branch
  ForecastBuilder forecast;
  // Items whose iterations compacted their context or filled 80% of its window: worth
  // splitting. Id -> the fullest fraction seen, and the compactions.
  std::map<std::string, std::pair<double, int>> crowded_items;
};

// The iteration running now, metered from its stream file as the loop meters it live: its
// cost is not in the log until it ends.
struct InFlight {
  int iteration = 0;
  std::string item_id;
  double cost_usd = 0;
  meter::Usage usage;
  int turns = 0;
};

struct StatusReport {
  PlanProgress plan;
  std::optional<loop::RunState> run;  // none before the first run
  bool active = false;                // a ralph holds .ralph/lock
  RunSums sums;                       // of `run`
  std::optional<InFlight> in_flight;
  std::optional<Projection> projection;
  std::optional<Forecast> forecast;  // of the run, when it has records
  int skipped_lines = 0;
};

// The run's condition in one word: "running", "waiting", "halted", or "stale" (state.json
// says running, but no ralph holds the lock: it crashed or was killed).
std::string run_condition(const StatusReport& report);
nlohmann::json to_json(const StatusReport& report);
std::string status_text(const StatusReport& report);
// "[######--------------]": `fraction` of `width` cells.
std::string progress_bar(double fraction, int width);

class StatusSource {
 public:
  StatusSource(std::filesystem::path state_dir, plan::PlanFolder plan);
  // Reads what changed since the last refresh.
  Result<StatusReport> refresh();

 private:
  std::filesystem::path state_dir_;
  plan::PlanFolder plan_;
  meter::CostLog log_;
  uint64_t offset_ = 0;
  int skipped_lines_ = 0;
  std::map<std::string, RunSums, std::less<>> runs_;
  std::string newest_run_;
  // The run whose forecast is built: state.json's; empty: every run's (no state file yet).
  std::string forecast_run_;
  Result<StatusReport> read_and_report();
  ProjectionBuilder projection_;
  // The running iteration's stream file, read on from where the last refresh stopped.
  void meter_in_flight(const loop::RunState& state, StatusReport& report);
  meter::PricingTable pricing_;
  // ralph.json's settings (the calendar caps), and the ledger they count from.
  plan::Settings settings_;
  std::unique_ptr<budget::Ledger> ledger_;
  std::unique_ptr<meter::StreamMeter> live_meter_;  // prices with pricing_
  std::string live_stream_;
  uint64_t live_offset_ = 0;
};

}  // namespace ralph::report
