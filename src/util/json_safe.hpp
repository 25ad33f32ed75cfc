// Reading JSON that anyone may have written (the agent's output, a hand-edited log) without
// undefined behaviour or unbounded recursion.
#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ralph {

// How deep JSON may nest before ralph refuses it. Real documents stay far below.
inline constexpr int kMaxJsonDepth = 128;

// Whether `text` nests arrays and objects deeper than `limit` (strings are skipped). A cheap
// check before parsing, since copying or walking a deep document recurses.
bool json_nesting_exceeds(std::string_view text, int limit = kMaxJsonDepth);

// A number as an integer clamped to [lo, hi]; `fallback` for anything that is not a finite
// number.
int64_t json_int(const nlohmann::json& value, int64_t lo, int64_t hi, int64_t fallback);

// `object[key]`, or a null value when `object` is not an object or has no such key; no copy.
const nlohmann::json& json_member(const nlohmann::json& object, const char* key);

// a + b for counts that are never negative, stopping at INT64_MAX instead of overflowing.
inline int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? INT64_MAX : sum;
}

}  // namespace ralph
