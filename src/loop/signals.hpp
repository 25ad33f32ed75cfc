// SIGINT and SIGTERM during a run: the handler only counts them; the loop looks.
#pragma once

namespace ralph::loop {

// Installs the handlers (without SA_RESTART, so a blocking poll wakes up).
void install_interrupt_handlers();
// How many SIGINT/SIGTERM arrived since the handlers were installed.
int interrupt_count();

}  // namespace ralph::loop
