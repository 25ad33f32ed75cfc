// SIGINT and SIGTERM during a run: the handler only counts them; the loop looks.
#pragma once

#include <chrono>

namespace ralph::loop {

// Installs the handlers (without SA_RESTART, so a blocking poll wakes up).
void install_interrupt_handlers();
// How many SIGINT/SIGTERM arrived since the handlers were installed.
int interrupt_count();
// Sleeps `period` unless SIGINT or SIGTERM comes first (false then): the refresh of `status
// --watch` and `usage blocks --live`.
bool pause_unless_interrupted(std::chrono::milliseconds period);

}  // namespace ralph::loop
