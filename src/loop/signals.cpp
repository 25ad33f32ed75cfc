#include "loop/signals.hpp"

#include <signal.h>

#include <csignal>

namespace ralph::loop {

namespace {

volatile std::sig_atomic_t g_interrupts = 0;

void on_interrupt(int) {
  g_interrupts = g_interrupts + 1;
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int interrupt_count() {
  return g_interrupts;
}

}  // namespace ralph::loop
