// Money (README "Budgets"). Every cap on what the agent may spend (the run's, each iteration's,
// each item's) is one kind of object, a `Cap`, and this room alone decides from them whether
// an iteration may start and with what `--max-budget-usd` for the agent, whether the running
// agent must stop, which 50/80/95% warnings are due, and what a cap that was used up means.
// Every message about money is written here.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ralph::budget {

enum class Scope { kRun, kIteration, kItem, kDay, kWeek, kMonth };

// "run", "iteration", "item", "day", "week", "month": the `cap` of an on_budget_warning hook's
// payload.
std::string scope_name(Scope scope);
// Day, week and month: caps over every loop of the ledger, in calendar periods.
bool is_calendar(Scope scope);

struct Cap {
  Scope scope = Scope::kRun;
  std::string subject;  // for people: "the run", "iteration 4", "item US-003"
  double limit = 0;
  double spent = 0;  // settled before the running iteration
  int warned = 0;    // how many of the warning thresholds were reported
  // Calendar caps: the period ("2026-12-02"), when it ends, and that time for people.
  std::string period;
  std::optional<std::chrono::system_clock::time_point> resets_at;
  std::string resets_text;

  double left() const;
  // Whether a live cost of the running iteration takes this cap past its limit.
  bool passed_by(double live) const { return spent + live > limit; }
};

struct Limits {
  std::optional<double> run;
  std::optional<double> iteration;
  std::optional<double> item;  // each item's, unless the item sets its own (prd.json budgetUsd)
  std::optional<double> day;   // every loop of the ledger together, per calendar period
  std::optional<double> week;
  std::optional<double> month;
};

struct Warning {
  Scope scope = Scope::kRun;
  double threshold = 0;  // 0.5, 0.8 or 0.95
  double spent = 0;      // under the cap, the live iteration's cost included
  double limit = 0;
  std::string line;  // for people
};

// May the next iteration start, and with what budget for the agent?
struct Start {
  bool ok = true;
  std::optional<double> agent_budget;  // the least any cap has left; none: no cap applies
  std::optional<Scope> refused_by;     // when not ok: the cap with too little left
  std::string why;                     // when not ok: one line for people
  std::optional<std::chrono::system_clock::time_point> resets_at;  // a calendar cap's
};

// A cap that stops the running agent, or that an iteration used up.
struct Stop {
  Scope scope = Scope::kRun;
  std::string detail;                                              // one line for people
  std::optional<std::chrono::system_clock::time_point> resets_at;  // a calendar cap's
};

class Budgets {
 public:
  explicit Budgets(Limits limits);

  // Books an iteration already on the log (a resume, a recovery): its spend counts, and the
  // thresholds it passed are not reported again.
  void book_recorded(const std::string& item, double cost);

  // The calendar cap of `scope` now: `spent` in the period `period` by every loop of the ledger
  // (recorded, and live in other loops), which ends at `resets_at` (`resets_text` for people).
  // Thresholds the spend had passed when a period is first seen are not reported.
  void set_calendar(Scope scope, double spent, const std::string& period,
                    std::chrono::system_clock::time_point resets_at,
                    const std::string& resets_text);
  bool has_calendar() const { return limits_.day || limits_.week || limits_.month; }

  // A worktree of items run side by side (README "Running many loops"): what the run's other
  // worktrees spent, recorded and live, which counts under the run's cap with this one's.
  void set_run_elsewhere(double spent);

  // Whether an iteration on `item` may start; `item_limit` is the item's own cap, if it has one.
  // A cap refuses when nothing is left of it, or when it was spent under and what is left is
  // less than the run's cheapest iteration so far.
  Start may_start(const std::string& item, std::optional<double> item_limit) const;

  // Whether what every cap has left covers `expected`, what the next iteration on `item` is
  // expected to cost (`what` says what it is, for people: "an iteration of US-003 on
  // claude-opus-5-5"): asked before the model ladder escalates an item (README "Models"). A
  // calendar cap that refuses gives its `resets_at` when its next period would pay for it.
  Start may_afford(const std::string& item, std::optional<double> item_limit, double expected,
                   const std::string& what) const;

  // An iteration on `item` started: from now on its caps apply live.
  void start_iteration(int iteration, const std::string& item, std::optional<double> item_limit);
  // Whether the running agent must stop at a live cost of `live`, and why.
  std::optional<Stop> must_stop(double live) const;
  // The thresholds the live cost `live` newly passes, of each cap; each is given once.
  std::vector<Warning> warnings(double live);
  // The running iteration ended costing `cost` (`stopped_by`: the cap that stopped it live, if
  // one did); its last warnings were taken with warnings(cost). Books it, and says which cap it
  // used up: the run's (the run must halt) or the item's (the item must be blocked), if any. An
  // iteration's own cap ends with it.
  std::optional<Stop> finish_iteration(double cost, std::optional<Scope> stopped_by);

  // What the run spent: its other worktrees' too (set_run_elsewhere), and this loop's alone.
  double run_spent() const { return run_.spent; }
  double run_own_spent() const { return run_.spent - run_elsewhere_; }
  std::optional<double> run_limit() const { return limits_.run; }
  double item_spent(const std::string& item) const;
  // The run's cheapest iteration so far (above $0), if one ended.
  std::optional<double> cheapest() const { return cheapest_; }

 private:
  Cap item_cap(const std::string& item, std::optional<double> item_limit) const;
  // The caps that apply to the running iteration (const or not, as `self` is).
  template <class Self>
  static auto live_caps(Self& self);

  Limits limits_;
  Cap run_;                           // its limit is meaningful only when limits_.run is set
  double run_elsewhere_ = 0;          // of run_.spent, what the run's other worktrees spent
  std::map<std::string, Cap> items_;  // every item the run spent on
  std::optional<Cap> iteration_;      // the running iteration's own cap
  std::optional<Cap> item_;           // the running iteration's item's cap
  std::map<Scope, Cap> calendar_;     // day, week, month: as set_calendar last said
  std::string item_id_;               // the running iteration's item
  std::optional<double> cheapest_;    // the run's cheapest iteration so far (above $0)
};

}  // namespace ralph::budget
