// The iteration table of `ralph report --html`: the columns of `ralph costs` (iteration, item,
// model, the four token counts, cost, duration, outcome, commit) plus the cache hit ratio and
// the peak context, one row per record and a totals row. A run column when several runs show.
#pragma once

#include <string>
#include <vector>

#include "meter/record.hpp"

namespace ralph::report {

std::string iteration_table(const std::vector<meter::IterationRecord>& records);

}  // namespace ralph::report
