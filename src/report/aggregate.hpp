// Sums of the cost log by model, day or item, built one record at a time (`ralph costs --by`). The
// groups' costs and tokens add up to the totals of the records.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "meter/record_view.hpp"
#include "meter/totals.hpp"

namespace ralph::report {

enum class GroupBy { kIteration, kModel, kDay, kItem };

std::optional<GroupBy> parse_group_by(std::string_view name);
std::string_view group_by_name(GroupBy by);

struct Group {
  std::string key;     // the model, the UTC day ("2026-11-23") or the item id ("-" for none)
  int iterations = 0;  // iterations that count in the group (for models: that used it)
  meter::Usage usage;
  double cost_usd = 0;
  int64_t duration_ms = 0;
  int items_completed = 0;
  int64_t peak_context_tokens = 0;  // the largest of its iterations
};

nlohmann::json to_json(const Group& group);

// By model, an iteration counts in each model it used (its per-model breakdown); what the
// breakdown does not cover goes to the record's main model, so the groups add up exactly.
class Aggregator {
 public:
  explicit Aggregator(GroupBy by) : by_(by) {}
  void add(const meter::RecordView& record);
  // Days and items in order of their keys; models by cost, the dearest first. By iteration
  // there are no groups (the records are the rows), only the totals.
  std::vector<Group> groups() const;
  const meter::Totals& totals() const { return totals_; }

 private:
  Group& group(std::string_view key);
  GroupBy by_;
  std::map<std::string, Group, std::less<>> groups_;
  meter::Totals totals_;
};

}  // namespace ralph::report
