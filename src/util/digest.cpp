#include "util/digest.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace ralph {

std::string short_digest(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return fmt::format("{:016x}", hash);
}

}  // namespace ralph
