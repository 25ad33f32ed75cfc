// "12,345": an exact count grouped by thousands, for people.
#pragma once

#include <cstdint>
#include <string>

namespace ralph {

inline std::string grouped(int64_t count) {
  std::string digits = std::to_string(count < 0 ? -count : count);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return count < 0 ? "-" + out : out;
}

}  // namespace ralph
