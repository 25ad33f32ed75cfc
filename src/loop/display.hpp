// What a person sees during a run: on a terminal one live status line, otherwise one plain
// line per event. The halt line is always the last line.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "loop/halt.hpp"
#include "meter/record.hpp"
#include "meter/usage.hpp"

namespace ralph::loop {

struct LiveStatus {
  int iteration = 0;
  std::string item_id;
  std::string item_title;
  std::string model;
  // Why this model, on the ladder (README "Models"): shown in the iteration line instead of the
  // model alone; empty without a ladder.
  std::string model_note;
  meter::Usage usage;
  double iteration_cost = 0;
  double run_cost = 0;
  std::optional<double> budget;
  std::chrono::milliseconds elapsed{0};
};

class Display {
 public:
  virtual ~Display() = default;
  virtual void run_started(const std::string& run_id, bool resumed) = 0;
  virtual void iteration_started(const LiveStatus& status) = 0;
  virtual void live(const LiveStatus& status) = 0;
  virtual void iteration_finished(const meter::IterationRecord& record, double run_cost,
                                  std::optional<double> budget) = 0;
  virtual void note(const std::string& text) = 0;
  // A countdown while the loop waits (a usage limit, a back-off after a failure).
  virtual void waiting(const std::string& why, std::chrono::seconds left) = 0;
  virtual void halted(const Halt& halt) = 0;
};

// A live status line when `out` is a terminal, plain lines otherwise.
std::unique_ptr<Display> make_display(std::FILE* out, bool terminal);

// "12.3k", "1.2M": token counts for people.
std::string human_tokens(int64_t count);
// "1m23s", "4.2s".
std::string human_duration(std::chrono::milliseconds duration);
// "$0.4123 of $5.00" or "$0.4123".
std::string spend_text(double spent, std::optional<double> budget);

}  // namespace ralph::loop
