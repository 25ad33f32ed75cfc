#include "meter/price_drift.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace ralph::meter {

namespace {

// The name both sides are matched by: the table's model the name is priced as, else the name.
std::string match_key(const PricingTable& pricing, const std::string& model) {
  PriceLookup found = pricing.lookup(model);
  if (!found.priced_as.empty()) return found.priced_as;
  std::string key = model;
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

bool costs_drift(double agent_usd, double metered_usd) {
  const double difference = std::abs(agent_usd - metered_usd);
  return difference > kDriftUsd && difference > kDriftShare * std::abs(agent_usd);
}

bool record_drifts(const IterationRecord& record) {
  return record.cost_source == "agent" && record.metered_cost_usd &&
         costs_drift(record.cost_usd, *record.metered_cost_usd);
}

std::vector<ModelDrift> price_drift(const AgentResult& agent,
                                    const std::map<std::string, ModelUsage>& metered,
                                    const PricingTable& pricing) {
  std::vector<ModelDrift> drifts;
  std::map<std::string, size_t> index;  // match key -> entry
  auto entry = [&](const std::string& model) -> ModelDrift& {
    auto [it, added] = index.try_emplace(match_key(pricing, model), drifts.size());
    if (added) drifts.push_back(ModelDrift{model, 0, 0, {}, {}, false, false});
    return drifts[it->second];
  };
  for (const auto& [model, usage] : agent.models) {
    ModelDrift& drift = entry(model);
    drift.agent_usd += usage.cost_usd;
    drift.agent_tokens += usage.usage;
  }
  for (const auto& [model, usage] : metered) {
    ModelDrift& drift = entry(model);
    drift.metered_usd += usage.cost_usd;
    drift.metered_tokens += usage.usage;
  }
  for (ModelDrift& drift : drifts) {
    drift.drifts = costs_drift(drift.agent_usd, drift.metered_usd);
    drift.tokens_agree = drift.agent_tokens == drift.metered_tokens;
  }
  return drifts;
}

std::vector<std::string> drift_warnings(const std::vector<ModelDrift>& drifts, double agent_usd,
                                        double metered_usd, int iteration,
                                        const std::string& config_file) {
  std::vector<std::string> lines;
  if (!costs_drift(agent_usd, metered_usd)) return lines;
  for (const auto& drift : drifts) {
    if (drift.stale_price()) {
      lines.push_back(fmt::format(
          "ralph: warning: the pricing table looks stale for {}: Claude Code charged ${:.4f} "
          "for iteration {}'s tokens of it, ralph's meter ${:.4f}, and the budget caps enforce "
          "the meter's figure; set \"pricing\": {{\"{}\": {{\"input\": ..., \"output\": ..., "
          "\"cache_write\": ..., \"cache_read\": ...}}}} in {} to the prices Claude Code "
          "charges (scripts/probe-prices.sh measures them)",
          drift.model, drift.agent_usd, iteration, drift.metered_usd, drift.model, config_file));
    } else if (drift.unseen_tokens()) {
      lines.push_back(fmt::format(
          "ralph: warning: ralph's meter saw other tokens of {} than Claude Code billed in "
          "iteration {} (meter ${:.4f}, Claude Code ${:.4f}): requests that never appeared in "
          "its output; the budget caps enforce the meter's figure",
          drift.model, iteration, drift.metered_usd, drift.agent_usd));
    }
  }
  if (lines.empty()) {
    lines.push_back(fmt::format(
        "ralph: warning: ralph's meter priced iteration {} at ${:.4f}, Claude Code at ${:.4f}; "
        "the budget caps enforce the meter's figure (`ralph validate` shows each model's "
        "price)",
        iteration, metered_usd, agent_usd));
  }
  return lines;
}

}  // namespace ralph::meter
