// What tokens cost: a pricing table kept as data (pricing.json, built in) that ralph.json
// can override. Used for live estimates; the agent's own total is the authority when it
// reports one.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "meter/usage.hpp"
#include "util/result.hpp"

namespace ralph::meter {

struct ModelPrice {  // USD per million tokens
  double input = 0;
  double output = 0;
  double cache_write = 0;
  double cache_read = 0;
  int64_t long_context_threshold = 0;  // 0: no long-context tier
  double long_context_input = 0;
};

std::string_view builtin_pricing_json();

class PricingTable {
 public:
  static PricingTable builtin();

  // Adds or replaces models from an object {model: {input, output, cache_write, cache_read}}.
  // The error names the model and field that is wrong.
  Status apply_overrides(const nlohmann::json& models);

  // The price of a model: exact name, else the longest known prefix (dated names), else its
  // family (opus, sonnet...), else the most expensive model known, so an unknown model can
  // never make a budget look further away than it is.
  const ModelPrice& price_for(const std::string& model) const;
  // The same lookup without the last resort: nullptr when neither the name, a prefix of it
  // nor its family is known (the model is unpriced).
  const ModelPrice* find(const std::string& model) const;
  bool knows(const std::string& model) const { return models_.count(model) != 0; }

  // The cost of one turn of `model`.
  double turn_cost(const std::string& model, const Usage& usage) const;

 private:
  std::map<std::string, ModelPrice> models_;
  std::map<std::string, std::string> families_;
};

}  // namespace ralph::meter
