#include "meter/pricing.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ralph::meter {

namespace {

Result<ModelPrice> parse_price(const std::string& model, const nlohmann::json& entry) {
  if (!entry.is_object()) {
    return make_error(
        fmt::format("pricing for \"{}\" must be an object with input, output, "
                    "cache_write and cache_read (USD per million tokens)",
                    model));
  }
  ModelPrice price;
  auto field = [&](const char* key, double& out, bool required) -> Status {
    auto it = entry.find(key);
    if (it == entry.end()) {
      if (!required) return ok_status();
      return make_error(
          fmt::format("pricing for \"{}\" lacks \"{}\" (USD per million tokens)", model, key));
    }
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
      return make_error(
          fmt::format("pricing for \"{}\": \"{}\" must be a number of at least 0, "
                      "not {}",
                      model, key, it->dump()));
    }
    out = it->get<double>();
    return ok_status();
  };
  for (auto [key, out] :
       {std::pair{"input", &price.input}, std::pair{"output", &price.output},
        std::pair{"cache_write", &price.cache_write}, std::pair{"cache_read", &price.cache_read}}) {
    if (Status s = field(key, *out, true); !s) return s.error();
  }
  double threshold = 0;
  if (Status s = field("long_context_threshold", threshold, false); !s) return s.error();
  if (Status s = field("long_context_input", price.long_context_input, false); !s) {
    return s.error();
  }
  price.long_context_threshold = static_cast<int64_t>(std::min(threshold, 1e15));
  return price;
}

}  // namespace

PricingTable PricingTable::builtin() {
  PricingTable table;
  auto data = nlohmann::json::parse(builtin_pricing_json());
  Status loaded = table.apply_overrides(data.at("models"));
  if (!loaded) throw std::logic_error("built-in pricing.json: " + loaded.message());
  for (const auto& [family, model] : data.at("families").items()) {
    table.families_[family] = model.get<std::string>();
  }
  return table;
}

Status PricingTable::apply_overrides(const nlohmann::json& models) {
  for (const auto& [model, entry] : models.items()) {
    auto price = parse_price(model, entry);
    if (!price) return price.error();
    models_[model] = *price;
  }
  return ok_status();
}

const ModelPrice* PricingTable::find(const std::string& model) const {
  if (auto it = models_.find(model); it != models_.end()) return &it->second;
  const ModelPrice* best = nullptr;
  size_t best_length = 0;
  for (const auto& [name, price] : models_) {
    if (model.rfind(name, 0) == 0 && name.size() > best_length) {
      best = &price;
      best_length = name.size();
    }
  }
  if (best != nullptr) return best;
  for (const auto& [family, name] : families_) {
    if (model.find(family) != std::string::npos) {
      if (auto it = models_.find(name); it != models_.end()) return &it->second;
    }
  }
  return nullptr;
}

const ModelPrice& PricingTable::price_for(const std::string& model) const {
  if (const ModelPrice* known = find(model)) return *known;
  const ModelPrice* dearest = &models_.begin()->second;
  for (const auto& [name, price] : models_) {
    if (price.output > dearest->output) dearest = &price;
  }
  return *dearest;
}

double PricingTable::turn_cost(const std::string& model, const Usage& usage) const {
  const ModelPrice& price = price_for(model);
  double input_price = price.input;
  if (price.long_context_threshold > 0 && usage.context_tokens() > price.long_context_threshold) {
    input_price = price.long_context_input;
  }
  return (static_cast<double>(usage.input_tokens) * input_price +
          static_cast<double>(usage.output_tokens) * price.output +
          static_cast<double>(usage.cache_creation_input_tokens) * price.cache_write +
          static_cast<double>(usage.cache_read_input_tokens) * price.cache_read) /
         1e6;
}

}  // namespace ralph::meter
