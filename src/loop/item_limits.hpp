// Per-item limits (README "Budgets"): how many iterations of the run (resumes included) went to
// each item, and which items are blocked for the rest of the run, and why. The item budget is
// money, so the budget room decides it; a block it asks for is kept here.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "plan/prd.hpp"

namespace ralph::loop {

class ItemLimits {
 public:
  // `max_iterations`: item_max_iterations, for items whose prd.json sets no maxIterations.
  explicit ItemLimits(int max_iterations) : max_iterations_(max_iterations) {}

  // An iteration of the run on `item`: recorded before a resume, or just run.
  void count(const std::string& item) { ++iterations_[item]; }
  int iterations(const std::string& item) const;

  // Why `item` may have no more iterations, by their count; nothing when it may.
  std::optional<std::string> exhausted(const plan::PlanItem& item) const;

  // `unaffordable`: the budget cannot pay for the item's next model (README "Models").
  void block(const std::string& item, std::string why, bool unaffordable = false);
  // Items that pass now (the agent or a person made them pass) are blocked no longer.
  void forget_passing(const plan::Plan& plan);
  const std::map<std::string, std::string>& blocked() const { return blocked_; }
  std::set<std::string> blocked_ids() const;
  const std::set<std::string>& unaffordable() const { return unaffordable_; }

 private:
  int max_iterations_;
  std::map<std::string, int> iterations_;
  std::map<std::string, std::string> blocked_;  // id -> why
  std::set<std::string> unaffordable_;
};

}  // namespace ralph::loop
