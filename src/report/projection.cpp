#include "report/projection.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ralph::report {

ProjectionBuilder::ItemSums& ProjectionBuilder::item(std::string_view id) {
  if (!last_ || last_->first != id) {
    auto it = items_.find(id);
    if (it == items_.end()) it = items_.emplace(std::string(id), ItemSums{}).first;
    last_ = &*it;
  }
  return last_->second;
}

void ProjectionBuilder::add(const meter::RecordView& record) {
  if (record.item_id) {
    ItemSums& sums = item(*record.item_id);
    sums.cost_usd += record.cost_usd;
    sums.hours += static_cast<double>(record.duration_ms) / 3'600'000.0;
  }
  if (record.outcome == "rejected") return;
  for (std::string_view id : record.items_completed) item(id).completed = true;
}

Projection ProjectionBuilder::projection(const std::set<std::string>& plan_items,
                                         int remaining) const {
  Projection p;
  p.remaining_items = remaining;
  double low = 0;
  double high = 0;
  double fastest = 0;
  double slowest = 0;
  for (const auto& id : plan_items) {
    auto it = items_.find(id);
    if (it == items_.end()) continue;
    const auto& [cost, hours, completed] = it->second;
    p.basis_cost_usd += cost;
    p.basis_hours += hours;
    if (!completed) continue;
    bool first = p.completed_items == 0;
    low = first ? cost : std::min(low, cost);
    high = first ? cost : std::max(high, cost);
    fastest = first ? hours : std::min(fastest, hours);
    slowest = first ? hours : std::max(slowest, hours);
    ++p.completed_items;
  }
  if (remaining == 0) {
    p.expected_usd = p.low_usd = p.high_usd = 0.0;
    p.expected_hours = p.low_hours = p.high_hours = 0.0;
    return p;
  }
  if (p.completed_items == 0) return p;
  double per_item = p.basis_cost_usd / p.completed_items;
  p.expected_usd = per_item * remaining;
  p.low_usd = std::min(low, per_item) * remaining;
  p.high_usd = std::max(high, per_item) * remaining;
  double hours_per_item = p.basis_hours / p.completed_items;
  p.expected_hours = hours_per_item * remaining;
  p.low_hours = std::min(fastest, hours_per_item) * remaining;
  p.high_hours = std::max(slowest, hours_per_item) * remaining;
  return p;
}

Projection ProjectionBuilder::projection(const plan::Plan& plan) const {
  std::set<std::string> ids;
  for (const auto& item : plan.items) ids.insert(item.id);
  return projection(ids, static_cast<int>(ids.size() - plan::passing_ids(plan).size()));
}

nlohmann::json to_json(const Projection& p) {
  auto optional = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"remaining_items", p.remaining_items}, {"completed_items", p.completed_items},
          {"basis_cost_usd", p.basis_cost_usd},   {"expected_usd", optional(p.expected_usd)},
          {"low_usd", optional(p.low_usd)},       {"high_usd", optional(p.high_usd)},
          {"basis_hours", p.basis_hours},         {"expected_hours", optional(p.expected_hours)},
          {"low_hours", optional(p.low_hours)},   {"high_hours", optional(p.high_hours)}};
}

namespace {

// Dollars for people: cents once it is a dollar or more, else four decimals.
std::string usd(double amount) {
  return amount >= 1 ? fmt::format("${:.2f}", amount) : fmt::format("${:.4f}", amount);
}

}  // namespace

std::string projection_text(const Projection& p) {
  if (p.remaining_items == 0) return "nothing left to do: every item passes";
  std::string items =
      fmt::format("{} item{}", p.remaining_items, p.remaining_items == 1 ? "" : "s");
  if (!p.expected_usd) {
    return fmt::format("no projection for the {} left: no item completed yet", items);
  }
  return fmt::format("~{} to finish the {} left ({}-{}), from {} per completed item",
                     usd(*p.expected_usd), items, usd(*p.low_usd), usd(*p.high_usd),
                     usd(p.basis_cost_usd / p.completed_items));
}

}  // namespace ralph::report
