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

// "daily", "weekly", "monthly"
std::string adjective(Scope scope) {
  return scope == Scope::kDay ? "daily" : scope == Scope::kWeek ? "weekly" : "monthly";
}

// "on 2026-12-02", "in 2026-W49"
std::string when(const Cap& cap) {
  return (cap.scope == Scope::kDay ? "on " : "in ") + cap.period;
}

// What was spent under a cap, against it: "the run spent $0.9000 of its $1.00 budget".
std::string spent_text(const Cap& cap) {
  if (is_calendar(cap.scope)) {
    return fmt::format("every loop spent ${:.4f} of the ${:.2f} {} budget {}; it resets at {}",
                       cap.spent, cap.limit, adjective(cap.scope), when(cap), cap.resets_text);
  }
  return fmt::format("{} spent ${:.4f} of its ${:.2f} budget", cap.subject, cap.spent, cap.limit);
}

// Why a cap refuses another iteration, or nothing when it does not. A cap nothing was spent
// under yet (an item not tried) always gives one iteration its chance.
std::optional<std::string> refusal(const Cap& cap, std::optional<double> cheapest) {
  double left = cap.left();
  if (left <= 0) return spent_text(cap);
  if (cheapest && cap.spent > 0 && left < *cheapest) {
    return fmt::format(
        "{}; what is left (${:.4f}) would not pay for another iteration (the run's cheapest "
        "cost ${:.4f})",
        spent_text(cap), left, *cheapest);
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
    case Scope::kDay:
      return "day";
    case Scope::kWeek:
      return "week";
    case Scope::kMonth:
      return "month";
  }
  return "run";
}

bool is_calendar(Scope scope) {
  return scope == Scope::kDay || scope == Scope::kWeek || scope == Scope::kMonth;
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

void Budgets::set_calendar(Scope scope, double spent, const std::string& period,
                           std::chrono::system_clock::time_point resets_at,
                           const std::string& resets_text) {
  std::optional<double> limit = scope == Scope::kDay    ? limits_.day
                                : scope == Scope::kWeek ? limits_.week
                                                        : limits_.month;
  if (!limit) return;
  Cap& cap = calendar_[scope];
  if (cap.period != period) cap.warned = passed(spent, *limit);  // a new period
  cap.scope = scope;
  cap.subject = fmt::format("the {} budget", adjective(scope));
  cap.limit = *limit;
  cap.spent = spent;
  cap.period = period;
  cap.resets_at = resets_at;
  cap.resets_text = resets_text;
}

void Budgets::set_run_elsewhere(double spent) {
  run_.spent += spent - run_elsewhere_;
  run_elsewhere_ = spent;
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
      start.resets_at = cap.resets_at;
      return;
    }
    start.agent_budget =
        start.agent_budget ? std::min(*start.agent_budget, cap.left()) : cap.left();
  };
  if (limits_.run) consider(run_);
  for (const auto& [scope, cap] : calendar_) consider(cap);
  if (item_limit || limits_.item) consider(item_cap(item, item_limit));
  if (start.ok && limits_.iteration) {
    start.agent_budget =
        start.agent_budget ? std::min(*start.agent_budget, *limits_.iteration) : *limits_.iteration;
  }
  if (!start.ok) start.agent_budget.reset();
  return start;
}

Start Budgets::may_afford(const std::string& item, std::optional<double> item_limit,
                          double expected, const std::string& what) const {
  Start start;
  // `room`: what the cap leaves, for people ("the $0.5000 the run's budget has left").
  auto consider = [&](Scope scope, double left, const std::string& room,
                      std::optional<std::chrono::system_clock::time_point> resets_at) {
    if (!start.ok || expected <= left) return;
    start.ok = false;
    start.refused_by = scope;
    start.resets_at = resets_at;
    start.why = fmt::format(
        "{} would cost about ${:.4f} (its last iteration's tokens at that model's prices), more "
        "than {}",
        what, expected, room);
  };
  if (limits_.run) {
    consider(Scope::kRun, run_.left(),
             fmt::format("the ${:.4f} the run's budget has left", run_.left()), std::nullopt);
  }
  for (const auto& [scope, cap] : calendar_) {
    consider(scope, cap.left(),
             fmt::format("the ${:.4f} the {} budget has left {}", cap.left(), adjective(scope),
                         when(cap)),
             expected <= cap.limit ? cap.resets_at : std::nullopt);
  }
  if (item_limit || limits_.item) {
    Cap cap = item_cap(item, item_limit);
    consider(Scope::kItem, cap.left(),
             fmt::format("the ${:.4f} {} budget has left", cap.left(), owner(cap)), std::nullopt);
  }
  if (limits_.iteration) {
    consider(
        Scope::kIteration, *limits_.iteration,
        fmt::format("the ${:.2f} one iteration may cost (iteration_budget)", *limits_.iteration),
        std::nullopt);
  }
  return start;
}

void Budgets::start_iteration(int iteration, const std::string& item,
                              std::optional<double> item_limit) {
  iteration_.reset();
  if (limits_.iteration) {
    Cap cap;
    cap.scope = Scope::kIteration;
    cap.subject = fmt::format("iteration {}", iteration);
    cap.limit = *limits_.iteration;
    iteration_ = cap;
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
  for (auto& [scope, cap] : self.calendar_) caps.push_back(&cap);
  if (self.item_) caps.push_back(&*self.item_);
  if (self.iteration_) caps.push_back(&*self.iteration_);
  return caps;
}

std::optional<Stop> Budgets::must_stop(double live) const {
  for (const Cap* cap : live_caps(*this)) {
    if (!cap->passed_by(live)) continue;
    if (is_calendar(cap->scope)) {
      return Stop{cap->scope,
                  fmt::format("every loop's spend {} reached ${:.4f}, past the {} budget of "
                              "${:.2f}",
                              when(*cap), cap->spent + live, adjective(cap->scope), cap->limit),
                  cap->resets_at};
    }
    return Stop{cap->scope,
                fmt::format("{} spend reached ${:.4f}, past its budget of ${:.2f}", owner(*cap),
                            cap->spent + live, cap->limit),
                std::nullopt};
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
      std::string line =
          is_calendar(cap.scope)
              ? fmt::format(
                    "ralph: warning: {:.0f}% of the ${:.2f} {} budget spent {} by every "
                    "loop (${:.4f})",
                    threshold * 100, cap.limit, adjective(cap.scope), when(cap), spent)
              : fmt::format("ralph: warning: {:.0f}% of {} ${:.2f} budget spent (${:.4f})",
                            threshold * 100, owner(cap), cap.limit, spent);
      out.push_back(Warning{cap.scope, threshold, spent, cap.limit, std::move(line)});
    }
  }
  if (item_) items_[item_id_].warned = item_->warned;
  return out;
}

std::optional<Stop> Budgets::finish_iteration(double cost, std::optional<Scope> stopped_by) {
  run_.spent += cost;
  items_[item_id_].spent += cost;
  for (auto& [scope, cap] : calendar_) cap.spent += cost;  // until the ledger says it again
  if (cost > 0) cheapest_ = cheapest_ ? std::min(*cheapest_, cost) : cost;
  iteration_.reset();
  std::optional<Cap> item = std::move(item_);
  item_.reset();
  if (item) item->spent += cost;
  auto used_up = [&](const Cap& cap) { return stopped_by == cap.scope || cap.spent >= cap.limit; };
  if (limits_.run && used_up(run_)) return Stop{Scope::kRun, spent_text(run_), std::nullopt};
  for (const auto& [scope, cap] : calendar_) {
    if (used_up(cap)) return Stop{scope, spent_text(cap), cap.resets_at};
  }
  if (item && used_up(*item)) return Stop{Scope::kItem, spent_text(*item), std::nullopt};
  return std::nullopt;
}

}  // namespace ralph::budget
