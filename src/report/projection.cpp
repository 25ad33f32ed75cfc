#include "report/projection.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ralph::report {

void ProjectionBuilder::add(const meter::IterationRecord& record) {
  if (record.item_id && plan_items_.count(*record.item_id)) {
    cost_by_item_[*record.item_id] += record.cost_usd;
    basis_cost_ += record.cost_usd;
  }
  if (record.outcome == "rejected") return;
  for (const auto& id : record.items_completed) {
    if (plan_items_.count(id)) completed_.insert(id);
  }
}

Projection ProjectionBuilder::projection() const {
  Projection p;
  p.remaining_items = remaining_;
  p.completed_items = static_cast<int>(completed_.size());
  p.basis_cost_usd = basis_cost_;
  if (remaining_ == 0) {
    p.expected_usd = p.low_usd = p.high_usd = 0.0;
    return p;
  }
  if (completed_.empty()) return p;
  double low = 0;
  double high = 0;
  bool first = true;
  for (const auto& id : completed_) {
    auto it = cost_by_item_.find(id);
    double cost = it == cost_by_item_.end() ? 0 : it->second;
    low = first ? cost : std::min(low, cost);
    high = first ? cost : std::max(high, cost);
    first = false;
  }
  double per_item = basis_cost_ / static_cast<double>(completed_.size());
  p.expected_usd = per_item * remaining_;
  p.low_usd = std::min(low, per_item) * remaining_;
  p.high_usd = std::max(high, per_item) * remaining_;
  return p;
}

nlohmann::json to_json(const Projection& p) {
  auto optional = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"remaining_items", p.remaining_items}, {"completed_items", p.completed_items},
          {"basis_cost_usd", p.basis_cost_usd},   {"expected_usd", optional(p.expected_usd)},
          {"low_usd", optional(p.low_usd)},       {"high_usd", optional(p.high_usd)}};
}

std::string projection_text(const Projection& p) {
  if (p.remaining_items == 0) return "nothing left to do: every item passes";
  std::string items =
      fmt::format("{} item{}", p.remaining_items, p.remaining_items == 1 ? "" : "s");
  if (!p.expected_usd)
    return fmt::format("no projection for the {} left: no item completed yet", items);
  return fmt::format(
      "~${:.2f} to finish the {} left (${:.2f}-${:.2f}), from ${:.4f} per completed item",
      *p.expected_usd, items, *p.low_usd, *p.high_usd, p.basis_cost_usd / p.completed_items);
}

}  // namespace ralph::report
