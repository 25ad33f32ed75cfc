// How complex an item looks (README "Models"): an estimate from its text with rules that are
// data (keyword weights, acceptance criteria, the description's length), overridable in
// ralph.json "complexity_rules", and what items of each estimate actually cost in this
// repository (the cost log). Under start_tier "auto" it picks the rung of the model ladder an
// item starts on; `ralph validate --explain` prints it.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "plan/prd.hpp"
#include "util/result.hpp"

namespace ralph::plan {

enum class Complexity { kLow, kMiddle, kHigh };

std::string complexity_name(Complexity level);  // "low", "middle", "high"
std::optional<Complexity> complexity_from_name(std::string_view name);

struct ComplexityRules {
  // Whole words of the title, description and acceptance criteria (lower case) -> weight;
  // each word counts once per item. A keyword also matches its simple forms: with -s, -es,
  // -ed (-d after a final e), -ing (a final e dropped: "renaming"), and with its last letter
  // doubled before -ed and -ing ("debugged"). Words are runs of letters and digits.
  std::map<std::string, double> keywords;
  double per_criterion = 0;  // each acceptance criterion
  double per_100_chars = 0;  // each 100 characters of the description
  double middle_from = 0;    // a score from here is "middle"
  double high_from = 0;      // and from here "high"
  static const ComplexityRules& defaults();
};

// Reads ralph.json's "complexity_rules" over the defaults; each problem goes to `problem`
// with the JSON pointer of the value below "complexity_rules" ("/keywords/typo") and one line
// saying what is wrong.
void read_complexity_rules(
    const nlohmann::json& value, ComplexityRules& rules,
    const std::function<void(const std::string& pointer, std::string message)>& problem);

struct Estimate {
  Complexity level = Complexity::kLow;
  double score = 0;
  std::string why;  // one line: "score 6.0: \"migrate\" +4, 3 acceptance criteria +1.5, ..."
};

Estimate estimate_complexity(const PlanItem& item, const ComplexityRules& rules);

// "high (score 6.0: \"migrate\" +4, ...)": the level and its why, said once.
std::string estimate_summary(const Estimate& estimate);

// What the items of one estimated complexity cost in this repository's cost log: the items
// that passed, the iterations and dollars each took on average, and the ladder rung (tier)
// they passed on, the median over them.
struct LevelHistory {
  int items = 0;
  double iterations = 0;
  double cost_usd = 0;
  std::optional<int> tier;  // the median (the lower of the middle two) of those with a tier
  int items_with_tier = 0;  // the items `tier` is the median of
};

// Learns from every run's records; an item's complexity is its records' `complexity`, else
// the estimate of the item of that id in `plan` (none: the item is not counted).
std::map<Complexity, LevelHistory> learn_history(const std::vector<meter::IterationRecord>& log,
                                                 const Plan& plan, const ComplexityRules& rules);
// The same from the cost log at `path` (README "Files ralph writes"); a missing log is no
// history, a log that cannot be read an error.
Result<std::map<Complexity, LevelHistory>> learn_history_from_log(const std::filesystem::path& path,
                                                                  const Plan& plan,
                                                                  const ComplexityRules& rules);

struct StartTier {
  int tier = 0;
  Complexity level = Complexity::kLow;
  std::string reason;  // one line, for model_reason and --explain
  // The part of `reason` that history gave ("4 high items here passed on tier 1 (median),
  // ..."); empty when the estimate alone decided.
  std::string from_history;
};

// Items of one level need this many passes with a tier in the log before history decides.
inline constexpr int kHistoryMinItems = 3;

// The rung an item starts on under start_tier "auto", on a ladder of `ladder_size` (>= 1)
// models: its estimate's, or what enough history of its complexity says.
StartTier auto_start_tier(const Estimate& estimate,
                          const std::map<Complexity, LevelHistory>& history, int ladder_size);

// Where `model` is on `ladder` (ralph.json "models", README "Models"): the index of the same
// name (compared without regard to case), else of a name the pricing table prices as the same
// model (PriceLookup::priced_as: "sonnet" and "claude-sonnet-5-5", a dated name and its
// model); none when it is not on the ladder.
std::optional<int> ladder_index(const std::vector<std::string>& ladder, const std::string& model,
                                const meter::PricingTable& pricing);

}  // namespace ralph::plan
