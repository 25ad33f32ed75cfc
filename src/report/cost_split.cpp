#include "report/cost_split.hpp"

#include <algorithm>
#include <cmath>

namespace ralph::report {

namespace {

constexpr std::string_view kKeys[] = {"input", "output", "cache_write", "cache_read", "unpriced"};
constexpr std::string_view kLabels[] = {"input", "output", "cache write", "cache read", "unpriced"};

size_t index(CostKind kind) {
  return static_cast<size_t>(kind);
}

// Adds what `usage` of `model` costs by kind to `parts`; an unknown model adds `cost` (what
// the log says it cost) as unpriced.
void add_priced(const meter::PricingTable& pricing, const std::string& model,
                const meter::Usage& usage, double cost, std::array<double, kCostKinds>& parts) {
  const meter::ModelPrice* price = pricing.find(model);
  if (price == nullptr) {
    parts[index(CostKind::kUnpriced)] += std::max(0.0, cost);
    return;
  }
  auto priced = [](int64_t tokens, double per_million) {
    return static_cast<double>(tokens) * per_million / 1e6;
  };
  parts[index(CostKind::kInput)] += priced(usage.input_tokens, price->standard.input);
  parts[index(CostKind::kOutput)] += priced(usage.output_tokens, price->standard.output);
  parts[index(CostKind::kCacheWrite)] +=
      priced(usage.cache_creation_input_tokens, price->standard.cache_write);
  parts[index(CostKind::kCacheRead)] +=
      priced(usage.cache_read_input_tokens, price->standard.cache_read);
}

}  // namespace

std::string_view cost_kind_key(CostKind kind) {
  return kKeys[index(kind)];
}

std::string_view cost_kind_label(CostKind kind) {
  return kLabels[index(kind)];
}

double CostSplit::total() const {
  double sum = 0;
  for (double part : usd) sum += part;
  return sum;
}

CostSplit split_cost(const meter::IterationRecord& record, const meter::PricingTable& pricing) {
  CostSplit split;
  double cost = std::isfinite(record.cost_usd) ? record.cost_usd : 0;
  if (cost == 0) return split;

  std::array<double, kCostKinds> parts{};
  if (record.models.empty()) {
    add_priced(pricing, record.model, record.usage, cost, parts);
  } else {
    meter::Usage covered;
    double covered_cost = 0;
    for (const auto& [name, part] : record.models) {
      add_priced(pricing, name, part.usage, part.cost_usd, parts);
      covered += part.usage;
      covered_cost += part.cost_usd;
    }
    meter::Usage rest = meter::minus_clamped(record.usage, covered);
    double rest_cost = cost - covered_cost;
    if (rest != meter::Usage{} || std::abs(rest_cost) > 1e-12 * std::max(1.0, std::abs(cost))) {
      add_priced(pricing, record.model, rest, rest_cost, parts);
    }
  }

  double raw = 0;
  for (double part : parts) raw += part;
  if (!(raw > 0) || !std::isfinite(raw)) {
    split.usd[index(CostKind::kUnpriced)] = cost;
    return split;
  }
  double scale = cost / raw;
  for (size_t i = 0; i < kCostKinds; ++i) split.usd[i] = parts[i] * scale;
  // The largest part takes the rounding error, so the parts add up to the cost (to the last
  // bit or so, whatever order they are summed in).
  size_t largest =
      static_cast<size_t>(std::max_element(parts.begin(), parts.end()) - parts.begin());
  split.usd[largest] += cost - split.total();
  return split;
}

}  // namespace ralph::report
