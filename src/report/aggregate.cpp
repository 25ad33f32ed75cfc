#include "report/aggregate.hpp"

#include <algorithm>

namespace ralph::report {

namespace {

constexpr std::string_view kNames[] = {"iteration", "model", "day", "item"};

}  // namespace

std::optional<GroupBy> parse_group_by(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) return static_cast<GroupBy>(i);
  }
  return std::nullopt;
}

std::string_view group_by_name(GroupBy by) {
  return kNames[static_cast<size_t>(by)];
}

nlohmann::json to_json(const Group& group) {
  nlohmann::json out{{"key", group.key}, {"iterations", group.iterations}};
  meter::write_usage(group.usage, out);
  out["cost_usd"] = group.cost_usd;
  out["cache_hit_ratio"] = group.usage.cache_hit_ratio();
  out["duration_ms"] = group.duration_ms;
  out["items_completed"] = group.items_completed;
  out["peak_context_tokens"] = group.peak_context_tokens;
  return out;
}

Group& Aggregator::group(std::string_view key) {
  auto it = groups_.find(key);
  if (it == groups_.end()) {
    it = groups_.emplace(std::string(key), Group{}).first;
    it->second.key = key;
  }
  return it->second;
}

void Aggregator::add(const meter::RecordView& r) {
  totals_.add(r.usage, r.cost_usd);

  auto count_in = [&r](Group& g) {
    ++g.iterations;
    g.duration_ms += r.duration_ms;
    g.items_completed += static_cast<int>(r.items_completed.size());
    g.peak_context_tokens = std::max(g.peak_context_tokens, r.peak_context_tokens);
  };
  switch (by_) {
    case GroupBy::kIteration:  // the records themselves are the rows
      break;
    case GroupBy::kItem: {
      Group& g = group(r.item_id.value_or("-"));
      count_in(g);
      g.usage += r.usage;
      g.cost_usd += r.cost_usd;
      break;
    }
    case GroupBy::kDay: {
      Group& g = group(r.started_at.size() >= 10 ? r.started_at.substr(0, 10) : "unknown");
      count_in(g);
      g.usage += r.usage;
      g.cost_usd += r.cost_usd;
      break;
    }
    case GroupBy::kModel: {
      meter::Usage covered;
      double covered_cost = 0;
      for (const auto& [name, part] : r.models) {
        Group& g = group(name);
        count_in(g);
        g.usage += part.usage;
        g.cost_usd += part.cost_usd;
        covered += part.usage;
        covered_cost += part.cost_usd;
      }
      meter::Usage rest = meter::minus_clamped(r.usage, covered);
      double rest_cost = r.cost_usd - covered_cost;
      if (r.models.empty() || rest != meter::Usage{} || rest_cost != 0) {
        Group& g = group(r.model.empty() ? "unknown" : r.model);
        bool counted = std::any_of(r.models.begin(), r.models.end(),
                                   [&g](const meter::ModelCostView& m) { return m.name == g.key; });
        if (!counted) count_in(g);
        g.usage += rest;
        g.cost_usd += rest_cost;
      }
      break;
    }
  }
}

std::vector<Group> Aggregator::groups() const {
  std::vector<Group> out;
  out.reserve(groups_.size());
  for (const auto& [key, g] : groups_) out.push_back(g);
  if (by_ == GroupBy::kModel) {
    std::stable_sort(out.begin(), out.end(),
                     [](const Group& a, const Group& b) { return a.cost_usd > b.cost_usd; });
  }
  return out;
}

}  // namespace ralph::report
