// The lifecycle hooks of a run (README "Hooks"): which executables each event runs, in what order,
// what a failure means, and the JSON object each event gives them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loop/display.hpp"
#include "loop/halt.hpp"
#include "loop/hook_runner.hpp"
#include "meter/record.hpp"
#include "meter/totals.hpp"

namespace ralph::loop {

// Event -> executables, as plans/ralph.json lists them.
using HookMap = std::map<std::string, std::vector<std::string>>;

struct HookRejection {
  std::string hook;
  HookResult result;
};

class Hooks {
 public:
  // No runner: no hook runs.
  Hooks(HookMap hooks, HookRunner* runner, Display& display)
      : hooks_(std::move(hooks)), runner_(runner), display_(display) {}

  bool has(const std::string& event) const;
  // Runs every hook of the payload's event, in order. A failure (non-zero exit, timeout, could
  // not start) is one warning line on the display; the run goes on.
  void notify(const nlohmann::json& payload);
  // pre_commit: runs the hooks in order until one fails; that one rejects the commit.
  std::optional<HookRejection> gate(const nlohmann::json& payload);

 private:
  void note_strays(const std::string& hook, const std::string& event, const HookResult& result);

  HookMap hooks_;
  HookRunner* runner_;
  Display& display_;
};

// The payloads. Each has `event`, `run_id` and `iteration` (0 when there is none).
nlohmann::json pre_iteration_event(const std::string& run_id, int iteration,
                                   const std::string& item_id, const std::string& item_title,
                                   const std::string& model, double spent_usd,
                                   std::optional<double> budget_usd);
// `cap`: "run", "iteration", "item", "day", "week" or "month"; `threshold`: 0.5, 0.8 or 0.95.
nlohmann::json budget_warning_event(const std::string& run_id, int iteration,
                                    const std::string& cap, double threshold, double spent_usd,
                                    double budget_usd);
// The iteration's context passed 80% of its model's window: `fraction` of it, `tokens` of
// `window`.
nlohmann::json context_warning_event(const std::string& run_id, int iteration,
                                     const std::string& item_id, const std::string& model,
                                     double fraction, int64_t tokens, int64_t window);
// The running iteration's `metric` ("cost", "turns", "output_tokens") reached `value`, against
// the run's median `median` (README "Anomalies"); `text` says it for people.
nlohmann::json anomaly_event(const std::string& run_id, int iteration, const std::string& item_id,
                             const std::string& metric, double value, double median,
                             const std::string& text, bool halting);
// The record so far (no commit yet) and the files about to be committed.
nlohmann::json pre_commit_event(const meter::IterationRecord& record,
                                const std::vector<std::string>& changed_files);
nlohmann::json post_iteration_event(const meter::IterationRecord& record,
                                    const meter::Totals& run_totals);
nlohmann::json halt_event(const std::string& run_id, int iteration, const Halt& halt,
                          const meter::Totals& run_totals, int items_total, int items_passing);

}  // namespace ralph::loop
