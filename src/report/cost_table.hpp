// `ralph costs` as people and spreadsheets read it: an aligned table with a totals row, and
// CSV that parses back to the log's exact numbers.
#pragma once

#include <string>
#include <vector>

#include "meter/record.hpp"
#include "meter/totals.hpp"
#include "report/aggregate.hpp"
#include "util/grouped.hpp"

namespace ralph::report {

using ralph::grouped;  // util/grouped.hpp: also what the budget room words counts with

// One row per iteration and a totals row. A run column appears when the rows span runs. The
// `metered` column is ralph's own meter's figure, marked "!" where it drifts from cost_usd.
std::string iteration_table(const std::vector<meter::IterationRecord>& records,
                            const meter::Totals& totals);
// One row per group (the first column named after `by`) and a totals row.
std::string group_table(GroupBy by, const std::vector<Group>& groups, const meter::Totals& totals);

std::string csv_iteration_header();
void append_csv_iteration(std::string& out, const meter::IterationRecord& record);
std::string csv_group_header(GroupBy by);
void append_csv_group(std::string& out, const Group& group);

// `text` as one CSV field (RFC 4180: quoted when it holds a comma, a quote or a line break).
void append_csv_field(std::string& out, std::string_view text);

// "91.2%"; "-" when nothing was read.
std::string percent(double ratio, bool any);

}  // namespace ralph::report
