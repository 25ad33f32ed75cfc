#include "meter/usage.hpp"

#include "util/json_safe.hpp"

namespace ralph::meter {

namespace {

// A token count: never negative, at most a quadrillion (far past any real run).
int64_t count(const nlohmann::json& object, const char* key) {
  return json_int(json_member(object, key), 0, 1'000'000'000'000'000, 0);
}

}  // namespace

Usage usage_from_api(const nlohmann::json& usage) {
  if (!usage.is_object()) return {};
  return Usage{count(usage, "input_tokens"), count(usage, "output_tokens"),
               count(usage, "cache_creation_input_tokens"),
               count(usage, "cache_read_input_tokens")};
}

int64_t cache_write_1h_from_api(const nlohmann::json& usage) {
  if (!usage.is_object()) return 0;
  return std::min(count(json_member(usage, "cache_creation"), "ephemeral_1h_input_tokens"),
                  count(usage, "cache_creation_input_tokens"));
}

Usage usage_from_model_usage(const nlohmann::json& entry) {
  if (!entry.is_object()) return {};
  return Usage{count(entry, "inputTokens"), count(entry, "outputTokens"),
               count(entry, "cacheCreationInputTokens"), count(entry, "cacheReadInputTokens")};
}

void write_usage(const Usage& usage, nlohmann::json& out) {
  out["input_tokens"] = usage.input_tokens;
  out["output_tokens"] = usage.output_tokens;
  out["cache_creation_input_tokens"] = usage.cache_creation_input_tokens;
  out["cache_read_input_tokens"] = usage.cache_read_input_tokens;
}

}  // namespace ralph::meter
