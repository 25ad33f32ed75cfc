#include "loop/model_ladder.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ralph::loop {

bool without_progress(const meter::IterationRecord& record) {
  if (record.item_id && std::find(record.items_completed.begin(), record.items_completed.end(),
                                  *record.item_id) != record.items_completed.end()) {
    return false;
  }
  const bool progress =
      record.progress.value_or(record.commit.has_value() || !record.agent_commits.empty());
  return record.outcome != "success" || !progress;
}

ModelLadder::ModelLadder(LadderOptions options, const meter::PricingTable& pricing,
                         std::function<plan::StartTier(const plan::PlanItem&)> start)
    : options_(std::move(options)), pricing_(pricing), start_(std::move(start)) {}

ModelLadder::Rung ModelLadder::start(const plan::PlanItem& item) const {
  Rung rung;
  if (item.model) {
    if (auto index = plan::ladder_index(options_.models, *item.model, pricing_)) {
      rung.tier = *index;
      rung.reason = fmt::format("prd.json names {} for {}", *item.model, item.id);
      return rung;
    }
  }
  if (options_.auto_start && start_) {
    plan::StartTier tier = start_(item);
    rung.tier = std::clamp(tier.tier, 0, static_cast<int>(options_.models.size()) - 1);
    rung.complexity = plan::complexity_name(tier.level);
    rung.reason = "start_tier \"auto\": " + tier.reason;
    return rung;
  }
  rung.reason = "the ladder's lowest rung (start_tier \"lowest\")";
  return rung;
}

ModelChoice ModelLadder::choose(const plan::PlanItem& item) const {
  ModelChoice choice;
  if (active() && options_.auto_start && start_) {  // whatever picks the model
    choice.complexity = plan::complexity_name(start_(item).level);
  }
  if (active() && options_.model_forced && !options_.model.empty()) {
    choice.model = options_.model;
    choice.tier = plan::ladder_index(options_.models, options_.model, pricing_);
    choice.reason = "--model forces it for every iteration";
    choice.note = fmt::format("{}, forced by --model", options_.model);
    return choice;
  }
  if (!active()) {
    choice.model = item.model ? *item.model : options_.model;
    choice.reason = item.model               ? fmt::format("prd.json names it for {}", item.id)
                    : options_.model.empty() ? "the agent's default model"
                                             : "\"model\" in the run settings";
    return choice;
  }
  if (item.model && !plan::ladder_index(options_.models, *item.model, pricing_)) {
    choice.model = *item.model;
    choice.reason = fmt::format(
        "prd.json names it for {}; it is not on the ladder (\"models\"), so it is used alone",
        item.id);
    choice.note = fmt::format("{}, named by prd.json, not on the ladder", *item.model);
    return choice;
  }
  auto it = rungs_.find(item.id);
  Rung rung = it != rungs_.end() ? it->second : start(item);
  const int top = static_cast<int>(options_.models.size()) - 1;
  if (rung.complexity) choice.complexity = rung.complexity;
  if (rung.failed >= options_.escalate_after && rung.tier < top) {
    choice.tier = rung.tier + 1;
    choice.escalated_from = options_.models[rung.tier];
    choice.escalates = true;
    choice.reason =
        fmt::format("escalated from {} after {} iteration{} without progress",
                    options_.models[rung.tier], rung.failed, rung.failed == 1 ? "" : "s");
  } else {
    choice.tier = rung.tier;
    choice.escalated_from = rung.escalated_from;
    choice.reason = rung.reason;
    if (rung.failed >= options_.escalate_after) {
      choice.reason +=
          fmt::format("; the ladder's top, after {} iterations without progress", rung.failed);
    }
  }
  choice.model = options_.models[*choice.tier];
  choice.note = fmt::format("{}, {}", choice.model, choice.reason);
  return choice;
}

void ModelLadder::count(const std::string& item, const meter::IterationRecord& record,
                        bool failed) {
  if (!active() || options_.model_forced || !record.tier) return;
  const int size = static_cast<int>(options_.models.size());
  // The rung it was given, if the ladder still has one there; the rung its model has now if
  // the ladder was changed since (it holds the model elsewhere).
  std::optional<int> tier;
  if (*record.tier < size) tier = record.tier;
  if (!record.model.empty()) {
    auto now = plan::ladder_index(options_.models, record.model, pricing_);
    if (now && (!tier || !plan::ladder_index({options_.models[*tier]}, record.model, pricing_))) {
      tier = now;
    }
  }
  if (!tier) return;
  auto [it, first] = rungs_.try_emplace(item);
  Rung& rung = it->second;
  if (first || rung.tier != *tier) {  // a new rung: how the item got there
    rung.tier = *tier;
    rung.failed = 0;
    rung.escalated_from = record.escalated_from;
    rung.reason = record.model_reason;
    if (record.complexity) rung.complexity = record.complexity;
  }
  if (failed) ++rung.failed;
  rung.last_usage = record.usage;
}

std::optional<meter::Usage> ModelLadder::last_usage(const std::string& item) const {
  auto it = rungs_.find(item);
  if (it == rungs_.end()) return std::nullopt;
  return it->second.last_usage;
}

}  // namespace ralph::loop
