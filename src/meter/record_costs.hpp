// An iteration's tokens and cost, from what the meter saw (`cost_source`, README "Files ralph
// writes").
#pragma once

#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "meter/stream_meter.hpp"

namespace ralph::meter {

// Fills tokens, cost, turns, per-model figures, peak context and session id: the agent's own
// result when it printed one (`agent`), else the live meter, priced with its table message by
// message (`estimated`).
void fill_costs(IterationRecord& record, const StreamMeter& meter);

}  // namespace ralph::meter
