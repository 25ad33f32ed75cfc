#include "util/json_safe.hpp"

#include <cmath>

namespace ralph {

bool json_nesting_exceeds(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

int64_t json_int(const nlohmann::json& value, int64_t lo, int64_t hi, int64_t fallback) {
  if (value.is_number_unsigned()) {
    auto n = value.get<uint64_t>();
    return n > static_cast<uint64_t>(hi) ? hi : std::max(lo, static_cast<int64_t>(n));
  }
  if (value.is_number_integer()) return std::clamp(value.get<int64_t>(), lo, hi);
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (!std::isfinite(d)) return fallback;
    if (d <= static_cast<double>(lo)) return lo;
    if (d >= static_cast<double>(hi)) return hi;
    return static_cast<int64_t>(d);
  }
  return fallback;
}

const nlohmann::json& json_member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json null_value;
  if (!object.is_object()) return null_value;
  auto it = object.find(key);
  return it == object.end() ? null_value : *it;
}

}  // namespace ralph
