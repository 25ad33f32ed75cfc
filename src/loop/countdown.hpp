// Waiting with a visible countdown that a signal cuts short.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "loop/display.hpp"

namespace ralph::loop {

// Waits `duration`, showing `why` and the time left about once a second. Returns false as
// soon as `interrupts()` is non-zero (SIGINT/SIGTERM arrived).
bool wait_with_countdown(std::chrono::milliseconds duration, const std::string& why,
                         Display& display, const std::function<int()>& interrupts);

}  // namespace ralph::loop
