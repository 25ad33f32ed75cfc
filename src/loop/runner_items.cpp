// The runner's choice of the next item and its model (README "Budgets", "Models"): per-item
// limits block items on the way, the model ladder picks the model, and start_tier "auto" learns
// from the cost log.
#include <fmt/format.h>

#include <algorithm>

#include "loop/runner.hpp"
#include "plan/complexity.hpp"
#include "util/clock.hpp"

namespace ralph::loop {

std::string Runner::priced_name(const std::string& model) const {
  auto found = loaded_.pricing.lookup(model);
  return found.priced_as.empty() ? model : found.priced_as;
}

void Runner::learn_history() {
  if (!ladder_.active() || !options_.ladder.auto_start) return;
  auto learned = plan::learn_history_from_log(options_.log_path(), loaded_.plan,
                                              loaded_.config.complexity_rules);
  if (!learned) {
    deps_.display.note("ralph: warning: " + learned.message() +
                       " (start_tier \"auto\" goes by the items' text alone)");
    return;
  }
  history_ = std::move(*learned);
}

const plan::PlanItem* Runner::choose_item(const plan::Plan& plan, ModelChoice& choice) {
  items_.forget_passing(plan);
  state_.blocked_items = items_.blocked();
  for (;;) {
    block_dependents(plan);
    const plan::PlanItem* item = plan::next_item(plan, items_.blocked_ids());
    if (item == nullptr) return nullptr;
    if (auto why = items_.exhausted(*item)) {
      block(item->id, *why);
      continue;
    }
    auto start = budgets_.may_start(item->id, item->budget_usd);
    if (!start.ok && start.refused_by == budget::Scope::kItem) {
      block(item->id, start.why);
      continue;
    }
    choice = ladder_.choose(*item);
    return item;
  }
}

std::optional<plan::Plan> Runner::reload(plan::Problems& problems) const {
  auto plan = plan::reload_plan(options_.plan, problems);
  if (plan && options_.worktree) (void)keep_only(*plan, options_.worktree->item);
  return plan;
}

bool Runner::keep_only(plan::Plan& plan, const std::string& item) {
  auto kept = std::find_if(plan.items.begin(), plan.items.end(),
                           [&item](const plan::PlanItem& it) { return it.id == item; });
  if (kept == plan.items.end()) return false;
  plan::PlanItem only = std::move(*kept);
  only.depends_on.clear();
  plan.items.clear();
  plan.items.push_back(std::move(only));
  return true;
}

void Runner::block_dependents(const plan::Plan& plan) {
  for (bool blocked_one = true; blocked_one;) {
    blocked_one = false;
    const std::set<std::string> blocked = items_.blocked_ids();
    for (const auto& item : plan.items) {
      if (item.passes || blocked.count(item.id)) continue;
      auto on = std::find_if(item.depends_on.begin(), item.depends_on.end(),
                             [&blocked](const std::string& id) { return blocked.count(id) != 0; });
      if (on == item.depends_on.end()) continue;
      block(item.id, fmt::format("it depends on {}, which is blocked", *on),
            BlockCause::kDependency);
      blocked_one = true;
      break;
    }
  }
}

void Runner::block(const std::string& item, const std::string& why, BlockCause cause) {
  items_.block(item, why, cause == BlockCause::kUnaffordable);
  state_.blocked_items = items_.blocked();
  deps_.display.note(fmt::format("ralph: {} is blocked for the rest of the run: {}", item, why));
  if (blocked_before_.count(item)) return;  // progress.txt says so from before the resume
  std::string note = fmt::format(
      "\n## ralph: {} blocked ({})\n{}. ralph gives it no more iterations in run {}. {}\n", item,
      format_rfc3339(deps_.clock.wall_now()), why, state_.run_id,
      cause == BlockCause::kDependency
          ? "Unblock what it depends on, then run `ralph run --resume`."
          : "It may be too big for one iteration: split it into smaller items, or raise its "
            "limit and run `ralph run --resume`.");
  if (Status s = plan::append_progress_note(options_.plan, note); !s) {
    deps_.display.note("ralph: warning: " + s.message());
  }
}

}  // namespace ralph::loop
