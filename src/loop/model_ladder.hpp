// The model ladder (README "Models"): which model each iteration gets. ralph.json "models" lists
// models cheapest first; an item starts on its prd.json model (alone when it is not on the
// ladder), on the rung its estimated complexity gives (start_tier "auto"), or on the lowest, and
// after `escalate_after` iterations on a rung that did not complete it, it moves to the next
// rung. Whether the budget can pay for the stronger model is the budget room's question; the
// runner asks it before an escalation.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "meter/record.hpp"
#include "meter/usage.hpp"
#include "plan/complexity.hpp"
#include "plan/prd.hpp"

namespace ralph::loop {

struct LadderOptions {
  std::vector<std::string> models;  // cheapest first; empty: no ladder
  int escalate_after = 2;
  std::string model;  // "model" (flag or ralph.json): items that name none
  // --model on the command line: with a ladder, every iteration's model (without one, `model`
  // is the model of items that name none, flag or not).
  bool model_forced = false;
  bool auto_start = false;  // start_tier "auto"
};

struct ModelChoice {
  std::string model;  // for --model; "": the agent's default
  std::optional<int> tier;
  std::optional<std::string> escalated_from;
  std::optional<std::string> complexity;  // the item's estimate, under start_tier "auto"
  std::string reason;                     // the record's model_reason
  // The first iteration on a rung reached by escalation: the budget room is asked first.
  bool escalates = false;
  // For the iteration line: "claude-sonnet-5-5, escalated from claude-haiku-5-5 after 2
  // iterations without progress"; empty when there is no ladder.
  std::string note;
};

// Whether an iteration on an item that did not complete it is one "without progress": it
// failed, was rejected, was stopped by a budget, or changed nothing (its record's `progress`;
// in records of older versions, whether it has a commit).
bool without_progress(const meter::IterationRecord& record);

class ModelLadder {
 public:
  // `start`: the rung an item starts on under start_tier "auto".
  ModelLadder(LadderOptions options, const meter::PricingTable& pricing,
              std::function<plan::StartTier(const plan::PlanItem&)> start);

  bool active() const { return !options_.models.empty(); }

  // The model of the next iteration on `item`.
  ModelChoice choose(const plan::PlanItem& item) const;
  // An iteration of the run on `item` ended (or was on the log before a resume); `failed`: it
  // did not complete the item and made no progress (without_progress). Its rung is its model's
  // on the ladder as it is now (a resume after the ladder was reordered), else its `tier` if
  // the ladder still has that rung; else it is not counted.
  void count(const std::string& item, const meter::IterationRecord& record, bool failed);

  // The tokens of the item's last iteration, priced by whoever asks at a stronger model.
  std::optional<meter::Usage> last_usage(const std::string& item) const;

 private:
  struct Rung {
    int tier = 0;
    int failed = 0;  // iterations on this rung without progress
    std::optional<std::string> escalated_from;
    std::string reason;  // how the item got to this rung
    std::optional<std::string> complexity;
    meter::Usage last_usage;
  };
  // Where an item that has had no iteration yet starts.
  Rung start(const plan::PlanItem& item) const;

  LadderOptions options_;
  const meter::PricingTable& pricing_;
  std::function<plan::StartTier(const plan::PlanItem&)> start_;
  std::map<std::string, Rung> rungs_;  // items that had an iteration in the run
};

}  // namespace ralph::loop
