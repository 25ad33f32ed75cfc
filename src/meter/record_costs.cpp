#include "meter/record_costs.hpp"

namespace ralph::meter {

// Tokens, cost and per-model figures: the agent's own result when it gave one, else the live
// meter (priced with the table, message by message).
void fill_costs(IterationRecord& record, const StreamMeter& meter) {
  record.peak_context_tokens = meter.peak_context_tokens();
  if (auto fill = meter.peak_context()) record.peak_context_fraction = fill->fraction;
  record.compactions = meter.compactions();
  record.session_id =
      meter.session_id().empty() ? std::nullopt : std::optional<std::string>(meter.session_id());
  record.metered_cost_usd = meter.live_cost();
  if (const auto& result = meter.result()) {
    record.cost_source = "agent";
    record.cost_usd = result->total_cost_usd;
    record.usage = result->usage;
    record.num_turns = result->num_turns;
    record.agent_subtype = result->subtype;
    for (const auto& [model, usage] : result->models) {
      record.models[model] = ModelCost{usage.usage, usage.cost_usd};
    }
    if (record.model.empty() && !result->models.empty())
      record.model = result->models.begin()->first;
    return;
  }
  record.cost_source = "estimated";
  record.cost_usd = meter.live_cost();
  record.usage = meter.live_usage();
  record.num_turns = meter.turns();
  for (const auto& [model, metered] : meter.live_by_model()) {
    record.models[model] = ModelCost{metered.usage, metered.cost_usd};
  }
}

}  // namespace ralph::meter
