// An iteration's cost split by token kind (input, output, cache write, cache read), for the
// stacked bars of `ralph report`. The cost log is the authority: the pricing table only gives
// the proportions, and the parts always add up to the record's `cost_usd`.
#pragma once

#include <array>
#include <string_view>

#include "meter/pricing.hpp"
#include "meter/record.hpp"

namespace ralph::report {

enum class CostKind { kInput, kOutput, kCacheWrite, kCacheRead, kUnpriced };
inline constexpr size_t kCostKinds = 5;
inline constexpr std::array<CostKind, kCostKinds> kAllCostKinds = {
    CostKind::kInput, CostKind::kOutput, CostKind::kCacheWrite, CostKind::kCacheRead,
    CostKind::kUnpriced};

// "input", "output", "cache_write", "cache_read", "unpriced": the names in data-kind.
std::string_view cost_kind_key(CostKind kind);
// "input", "output", "cache write", "cache read", "unpriced": the names people read.
std::string_view cost_kind_label(CostKind kind);

struct CostSplit {
  std::array<double, kCostKinds> usd{};
  double operator[](CostKind kind) const { return usd[static_cast<size_t>(kind)]; }
  double total() const;
};

// Prices the record's per-model usage (`models`; what they do not cover, and a record
// without them, under `model`) with `pricing`, then scales the parts so they add up to
// `cost_usd`. What a model the table does not know cost (its own `cost_usd` in `models`, or
// the whole record's) is one "unpriced" part; so is a cost with no priced tokens to split it.
// Long-context tiers and the dearer 1-hour cache writes are not applied (the record holds
// neither per-turn sizes nor the 1-hour share); they only shift the proportions.
CostSplit split_cost(const meter::IterationRecord& record, const meter::PricingTable& pricing);

}  // namespace ralph::report
