// Token counts of one turn, one iteration or a whole run.
#pragma once

#include <algorithm>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "util/json_safe.hpp"

namespace ralph::meter {

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cache_creation_input_tokens = 0;
  int64_t cache_read_input_tokens = 0;

  Usage& operator+=(const Usage& other) {
    input_tokens = saturating_add(input_tokens, other.input_tokens);
    output_tokens = saturating_add(output_tokens, other.output_tokens);
    cache_creation_input_tokens =
        saturating_add(cache_creation_input_tokens, other.cache_creation_input_tokens);
    cache_read_input_tokens =
        saturating_add(cache_read_input_tokens, other.cache_read_input_tokens);
    return *this;
  }
  // Field by field maximum: snapshots of one message only ever grow.
  void raise_to(const Usage& other) {
    input_tokens = std::max(input_tokens, other.input_tokens);
    output_tokens = std::max(output_tokens, other.output_tokens);
    cache_creation_input_tokens =
        std::max(cache_creation_input_tokens, other.cache_creation_input_tokens);
    cache_read_input_tokens = std::max(cache_read_input_tokens, other.cache_read_input_tokens);
  }
  // Everything the model read for this turn: how full its context was.
  int64_t context_tokens() const {
    return saturating_add(saturating_add(input_tokens, cache_creation_input_tokens),
                          cache_read_input_tokens);
  }
  // Input, output, cache writes and cache reads: what a 5-hour block counts.
  int64_t total_tokens() const { return saturating_add(context_tokens(), output_tokens); }
  // The share of the input that was read from the prompt cache: cache reads over everything
  // the model read. 0 when it read nothing.
  double cache_hit_ratio() const {
    int64_t read = context_tokens();
    return read > 0 ? static_cast<double>(cache_read_input_tokens) / static_cast<double>(read) : 0;
  }
  bool operator==(const Usage&) const = default;
};

// `a` less `b`, field by field, never below zero: what a total holds beyond its parts.
inline Usage minus_clamped(const Usage& a, const Usage& b) {
  return {std::max<int64_t>(0, a.input_tokens - b.input_tokens),
          std::max<int64_t>(0, a.output_tokens - b.output_tokens),
          std::max<int64_t>(0, a.cache_creation_input_tokens - b.cache_creation_input_tokens),
          std::max<int64_t>(0, a.cache_read_input_tokens - b.cache_read_input_tokens)};
}

// Reads the API's snake_case usage object; absent fields are zero.
Usage usage_from_api(const nlohmann::json& usage);
// How many of that usage's cache writes are 1-hour writes (they cost more):
// `cache_creation.ephemeral_1h_input_tokens`, at most `cache_creation_input_tokens`, since
// they are part of it. 0 when the usage has no such breakdown.
int64_t cache_write_1h_from_api(const nlohmann::json& usage);
// Reads Claude Code's camelCase modelUsage entry.
Usage usage_from_model_usage(const nlohmann::json& entry);
// Writes the four token fields of a record into `out`.
void write_usage(const Usage& usage, nlohmann::json& out);

}  // namespace ralph::meter
