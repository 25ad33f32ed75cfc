// `ralph costs --insights` and the report's insights section (README "Insights"): where a
// run's money went and what would have cost less, as pure functions of its records. Each
// insight carries a dollar figure where one applies.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meter/pricing.hpp"
#include "meter/record.hpp"

namespace ralph::report {

// Waste: iterations that completed nothing (`items_completed` empty), per item.
struct WasteItem {
  std::optional<std::string> item_id;  // none: iterations given no item
  int iterations = 0;
  double cost_usd = 0;
};
struct Waste {
  std::vector<WasteItem> items;  // dearest first
  int iterations = 0;
  double cost_usd = 0;
  double share = 0;  // of the cost of the records (0 when they cost nothing)
};

// What-if: the same tokens re-priced at one model (an estimate: another model would have used
// other tokens).
struct WhatIfModel {
  std::string model;      // as the ladder names it, or the table's model
  std::string priced_as;  // the table's model whose prices apply ("" for an unknown model)
  double cost_usd = 0;
  double difference_usd = 0;  // cost_usd minus the actual cost: negative is cheaper
  bool used = false;          // the records ran on this model (as the table resolves names)
};
struct WhatIf {
  bool from_ladder = false;  // the ladder's models; else the models used and the aliases
  double actual_usd = 0;
  std::vector<WhatIfModel> models;
};

// Start lower: an item completed by its only iteration of its run, on a tier above 0.
struct StartLowerItem {
  std::string item_id;
  std::string run_id;
  int iteration = 0;
  std::string model;
  int tier = 0;
  std::string model_reason;
  double cost_usd = 0;
  double repriced_usd = 0;  // its tokens at the ladder's lowest model
  double saving_usd = 0;    // cost_usd - repriced_usd
};
struct StartLower {
  std::string lowest_model;  // ladder[0]; "" without a ladder
  std::vector<StartLowerItem> items;
  double cost_usd = 0;
  double repriced_usd = 0;
  double saving_usd = 0;
};

// Cache: an iteration that read less than half its input from the prompt cache.
enum class CacheCause {
  kFirstIteration,   // the run's first: the cache is cold
  kExpired,          // over 5 minutes since the previous iteration ended
  kPromptChanged,    // PROMPT.md differs from the previous iteration's
  kClaudeMdChanged,  // CLAUDE.md differs
  kBothChanged,      // both differ
  kModelChanged,     // another model than the previous iteration's (an escalation)
  kUnknown,
};
// "first_iteration", "cache_expired", "prompt_changed", "claude_md_changed",
// "prompt_and_claude_md_changed", "model_changed", "unknown".
std::string_view cache_cause_key(CacheCause cause);

struct CacheMiss {
  std::string run_id;
  int iteration = 0;
  std::optional<std::string> item_id;
  std::string model;
  double cache_hit_ratio = 0;
  CacheCause cause = CacheCause::kUnknown;
  std::string detail;  // the cause in words, for people
  // What its cache writes and uncached input cost above the cache-read price of its model.
  double excess_usd = 0;
  double cost_usd = 0;
};
struct Cache {
  std::vector<CacheMiss> iterations;  // in log order
  double excess_usd = 0;
};

// Context: an item whose context passed 80% of its window, or that compacted.
struct ContextItem {
  std::optional<std::string> item_id;
  int iterations = 0;                           // all of the item's iterations
  std::optional<double> peak_context_fraction;  // the fullest; none when no window was known
  int compactions = 0;
  double cost_usd = 0;  // all of the item's iterations
};
struct Context {
  std::vector<ContextItem> items;  // dearest first
  double cost_usd = 0;
};

// Anomalies: iterations whose record lists some.
struct AnomalousIteration {
  std::string run_id;
  int iteration = 0;
  std::optional<std::string> item_id;
  std::vector<std::string> anomalies;
  double cost_usd = 0;
};
struct Anomalies {
  std::vector<AnomalousIteration> iterations;  // in log order
  double cost_usd = 0;
};

inline constexpr double kCacheHitThreshold = 0.5;
inline constexpr double kContextThreshold = 0.8;
inline constexpr int kCacheLifetimeSeconds = 5 * 60;

struct Insights {
  std::vector<std::string> runs;  // the records' runs, in log order
  int iterations = 0;
  double cost_usd = 0;
  std::vector<std::string> ladder;
  Waste waste;
  WhatIf what_if;
  StartLower start_lower;
  Cache cache;
  Context context;
  Anomalies anomalies;
  // What could surely have been saved: the waste. Start lower and the cache are estimates,
  // and overlap with it, so they are not added.
  double could_have_saved_usd() const { return waste.cost_usd; }
};

// `records` in log order. `ladder`: ralph.json's "models", cheapest first (empty: no ladder).
Insights compute_insights(const std::vector<meter::IterationRecord>& records,
                          const meter::PricingTable& pricing,
                          const std::vector<std::string>& ladder);
// The JSON of `ralph costs --insights --json` (field names in README "Insights").
nlohmann::json to_json(const Insights& insights);
// Aligned text, one block per insight; an empty one says "none".
std::string insights_text(const Insights& insights);

}  // namespace ralph::report
