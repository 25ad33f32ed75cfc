// The cost report's insights section (README "Insights"): the totals in its summary list's
// data-* attributes, each part's figures in the rows of its table.
#pragma once

#include <string>

#include "report/insights.hpp"

namespace ralph::report {

// `<section id="insights">`, self-contained, every value escaped.
std::string insights_section(const Insights& insights);

}  // namespace ralph::report
