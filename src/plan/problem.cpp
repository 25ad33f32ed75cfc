#include "plan/problem.hpp"

#include <fmt/format.h>

namespace ralph::plan {

std::string Problem::to_string() const {
  if (!pos) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}:{}: {}", file, pos->line, pos->column, message);
}

}  // namespace ralph::plan
