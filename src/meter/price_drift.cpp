#include "meter/price_drift.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

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

}  // namespace ralph::meter
