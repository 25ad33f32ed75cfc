// `ralph run --events jsonl`: every event of a run as one JSON object per line on stdout, for
// log collectors (README "Events"). The same calls as the display people read.
#pragma once

#include <cstdio>
#include <memory>

#include "loop/display.hpp"
#include "util/clock.hpp"

namespace ralph::loop {

// One line per event, flushed at once: run_started, iteration_started, iteration_ended (with
// the record exactly as the cost log has it), warning, note, waiting, halt.
std::unique_ptr<Display> make_event_display(std::FILE* out, const Clock& clock);

}  // namespace ralph::loop
