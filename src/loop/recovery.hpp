// After a hard kill of ralph (kill -9, power loss): rebuild the record of the iteration the
// crash cut short, so no spend goes unrecorded. (What the crashed ralph left running is
// stopped first, by Runner::recover, through the iteration's process tag.)
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loop/options.hpp"
#include "loop/state.hpp"
#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "util/clock.hpp"

namespace ralph::loop {

struct Recovery {
  std::optional<meter::IterationRecord> record;  // the lost iteration, when there was one
  std::vector<std::string> notes;                // what was done, for people
};

// `crashed` is the state the killed ralph left ("running"); `recorded` the iterations of its
// run already in the cost log; `passing_now` the items that pass now. The record's cost is
// metered from the iteration's stream file and the agent's transcript (deduplicated by
// message id), or taken from the agent's result if it had printed one.
Recovery recover_crashed_iteration(const RunState& crashed, const std::set<int>& recorded,
                                   const std::set<std::string>& passing_now,
                                   const RunOptions& options, const meter::PricingTable& pricing,
                                   const Clock& clock);

}  // namespace ralph::loop
