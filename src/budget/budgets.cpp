#include "budget/budgets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace ralph::budget {

namespace {

constexpr std::array<double, 3> kThresholds = {0.5, 0.8, 0.95};

// How many thresholds a spend of `spent` under `limit` has passed.
int passed(double spent, double limit) {
  int count = 0;
  while (count < static_cast<int>(kThresholds.size()) && spent >= kThresholds[count] * limit) {
    ++count;
  }
  return count;
}

// "the run's", "item US-003's"
std::string owner(const Cap& cap) {
  return cap.subject + "'s";
}

// Why a cap refuses another iteration, or nothing when it does not. A cap nothing was spent
// under yet (an item not tried) always gives one iteration its chance.
std::optional<std::string> refusal(const Cap& cap, std::optional<double> cheapest) {
  double left = cap.left();
  if (left <= 0) {
    return fmt::format("{} spent ${:.4f} of its ${:.2f} budget", cap.subject, cap.spent, cap.limit);
  }
  if (cheapest && cap.spent > 0 && left < *cheapest) {
    return fmt::format(
        "{} spent ${:.4f} of its ${:.2f} budget; what is left (${:.4f}) would not pay for "
        "another iteration (the run's cheapest cost ${:.4f})",
        cap.subject, cap.spent, cap.limit, left, *cheapest);
  }
  return std::nullopt;
}

}  // namespace

std::string scope_name(Scope scope) {
  switch (scope) {
    case Scope::kRun:
      return "run";
    case Scope::kIteration:
      return "iteration";
    case Scope::kItem:
      return "item";
  }
  return "run";
}

double Cap::left() const {
  return std::max(0.0, limit - spent);
}

Budgets::Budgets(Limits limits) : limits_(limits) {
  run_.scope = Scope::kRun;
  run_.subject = "the run";
  run_.limit = limits_.run.value_or(0);
}

void Budgets::book_recorded(const std::string& item, double cost) {
  run_.spent += cost;
  items_[item].spent += cost;
  if (cost > 0) cheapest_ = cheapest_ ? std::min(*cheapest_, cost) : cost;
  if (limits_.run) run_.warned = std::max(run_.warned, passed(run_.spent, run_.limit));
}

double Budgets::item_spent(const std::string& item) const {
  auto it = items_.find(item);
  return it == items_.end() ? 0 : it->second.spent;
}

Cap Budgets::item_cap(const std::string& item, std::optional<double> item_limit) const {
  Cap cap;
  if (auto it = items_.find(item); it != items_.end()) cap = it->second;
  cap.scope = Scope::kItem;
  cap.subject = "item " + item;
  cap.limit = item_limit ? *item_limit : limits_.item.value_or(0);
  return cap;
}

Start Budgets::may_start(const std::string& item, std::optional<double> item_limit) const {
  Start start;
  auto consider = [&](const Cap& cap) {
    if (!start.ok) return;
    if (auto why = refusal(cap, cheapest_)) {
      start.ok = false;
      start.refused_by = cap.scope;
      start.why = *why;
      return;
    }
    start.agent_budget =
        start.agent_budget ? std::min(*start.agent_budget, cap.left()) : cap.left();
  };
  if (limits_.run) consider(run_);
  if (item_limit || limits_.item) consider(item_cap(item, item_limit));
  if (start.ok && limits_.iteration) {
    start.agent_budget =
        start.agent_budget ? std::min(*start.agent_budget, *limits_.iteration) : *limits_.iteration;
  }
  if (!start.ok) start.agent_budget.reset();
  return start;
}

void Budgets::start_iteration(int iteration, const std::string& item,
                              std::optional<double> item_limit) {
  iteration_.reset();
  if (limits_.iteration) {
    iteration_ =
        Cap{Scope::kIteration, fmt::format("iteration {}", iteration), *limits_.iteration, 0, 0};
  }
  item_id_ = item;
  item_.reset();
  if (item_limit || limits_.item) {
    Cap cap = item_cap(item, item_limit);
    // Thresholds its earlier iterations passed were reported then (or before a resume).
    cap.warned = std::max(cap.warned, passed(cap.spent, cap.limit));
    items_[item] = cap;
    item_ = cap;
  }
}

template <class Self>
auto Budgets::live_caps(Self& self) {
  std::vector<decltype(&self.run_)> caps;
  if (self.limits_.run) caps.push_back(&self.run_);
  if (self.item_) caps.push_back(&*self.item_);
  if (self.iteration_) caps.push_back(&*self.iteration_);
  return caps;
}

std::optional<Stop> Budgets::must_stop(double live) const {
  for (const Cap* cap : live_caps(*this)) {
    if (cap->passed_by(live)) {
      return Stop{cap->scope, fmt::format("{} spend reached ${:.4f}, past its budget of ${:.2f}",
                                          owner(*cap), cap->spent + live, cap->limit)};
    }
  }
  return std::nullopt;
}

std::vector<Warning> Budgets::warnings(double live) {
  std::vector<Warning> out;
  for (Cap* each : live_caps(*this)) {
    Cap& cap = *each;
    if (cap.limit <= 0) continue;
    double spent = cap.spent + live;
    while (cap.warned < static_cast<int>(kThresholds.size()) &&
           spent >= kThresholds[cap.warned] * cap.limit) {
      double threshold = kThresholds[cap.warned++];
      out.push_back(Warning{cap.scope, threshold, spent, cap.limit,
                            fmt::format("ralph: warning: {:.0f}% of {} ${:.2f} budget spent "
                                        "(${:.4f})",
                                        threshold * 100, owner(cap), cap.limit, spent)});
    }
  }
  if (item_) items_[item_id_].warned = item_->warned;
  return out;
}

std::optional<Stop> Budgets::finish_iteration(double cost, std::optional<Scope> stopped_by) {
  run_.spent += cost;
  items_[item_id_].spent += cost;
  if (cost > 0) cheapest_ = cheapest_ ? std::min(*cheapest_, cost) : cost;
  iteration_.reset();
  std::optional<Stop> used_up;
  if (limits_.run && (stopped_by == Scope::kRun || run_.spent >= run_.limit)) {
    used_up = Stop{Scope::kRun, fmt::format("the run spent ${:.4f} of its ${:.2f} budget",
                                            run_.spent, run_.limit)};
  } else if (item_) {
    item_->spent += cost;
    if (stopped_by == Scope::kItem || item_->spent >= item_->limit) {
      used_up = Stop{Scope::kItem, fmt::format("{} spent ${:.4f} of its ${:.2f} budget",
                                               item_->subject, item_->spent, item_->limit)};
    }
  }
  item_.reset();
  return used_up;
}

}  // namespace ralph::budget
