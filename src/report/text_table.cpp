#include "report/text_table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ralph::report {

std::string TextTable::text() const {
  std::vector<size_t> width(right_.size(), 0);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line(static_cast<size_t>(indent_), ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      const size_t w = i < width.size() ? width[i] : 0;
      line += i < right_.size() && right_[i] ? fmt::format("{:>{}}", row[i], w)
                                             : fmt::format("{:<{}}", row[i], w);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  }
  return out;
}

}  // namespace ralph::report
