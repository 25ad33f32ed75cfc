#include "loop/item_limits.hpp"

#include <fmt/format.h>

namespace ralph::loop {

int ItemLimits::iterations(const std::string& item) const {
  auto it = iterations_.find(item);
  return it == iterations_.end() ? 0 : it->second;
}

std::optional<std::string> ItemLimits::exhausted(const plan::PlanItem& item) const {
  int limit = item.max_iterations.value_or(max_iterations_);
  int done = iterations(item.id);
  if (done < limit) return std::nullopt;
  return fmt::format("{} iteration{} without passing; {} is {}", done, done == 1 ? "" : "s",
                     item.max_iterations ? "its maxIterations" : "item_max_iterations", limit);
}

void ItemLimits::block(const std::string& item, std::string why, bool unaffordable) {
  blocked_[item] = std::move(why);
  if (unaffordable) unaffordable_.insert(item);
}

void ItemLimits::forget_passing(const plan::Plan& plan) {
  for (const auto& item : plan.items) {
    if (!item.passes) continue;
    blocked_.erase(item.id);
    unaffordable_.erase(item.id);
  }
}

std::set<std::string> ItemLimits::blocked_ids() const {
  std::set<std::string> ids;
  for (const auto& [id, why] : blocked_) ids.insert(id);
  return ids;
}

}  // namespace ralph::loop
