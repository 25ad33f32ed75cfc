#include "loop/events.hpp"

#include <string_view>

#include <fmt/format.h>

#include "meter/record_text.hpp"

namespace ralph::loop {

namespace {

using meter::append_json_number;
using meter::append_json_string;

// The lines ralph prints for people start with "ralph: " and warnings with "ralph: warning: ";
// an event carries the message without them.
std::string_view without_prefix(std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) == prefix) text.remove_prefix(prefix.size());
  return text;
}

class EventDisplay final : public Display {
 public:
  EventDisplay(std::FILE* out, const Clock& clock) : out_(out), clock_(clock) {}

  void run_started(const std::string& run_id, bool resumed) override {
    run_id_ = run_id;
    std::string line = start("run_started");
    line += fmt::format(",\"resumed\":{}", resumed);
    finish(line);
  }
  void iteration_started(const LiveStatus& status) override {
    std::string line = start("iteration_started");
    line += fmt::format(",\"iteration\":{},\"item\":", status.iteration);
    text_or_null(line, status.item_id);
    line += ",\"title\":";
    text_or_null(line, status.item_title);
    line += ",\"model\":";
    text_or_null(line, status.model);
    line += ",\"model_note\":";
    text_or_null(line, status.model_note);
    finish(line);
  }
  // Per metered turn: too many for a log collector; the record at the end has the totals.
  void live(const LiveStatus&) override {}
  void iteration_finished(const meter::IterationRecord& record, double run_cost,
                          std::optional<double> budget) override {
    std::string line = start("iteration_ended");
    line += fmt::format(",\"iteration\":{},\"outcome\":", record.iteration);
    append_json_string(line, record.outcome);
    line += ",\"cost_usd\":";
    append_json_number(line, record.cost_usd);
    line += ",\"run_cost_usd\":";
    append_json_number(line, run_cost);
    line += ",\"budget_usd\":";
    if (budget) {
      append_json_number(line, *budget);
    } else {
      line += "null";
    }
    line += ",\"record\":";
    meter::append_record_json(line, record);
    finish(line);
  }
  void note(const std::string& text) override {
    constexpr std::string_view kWarning = "ralph: warning: ";
    const bool warning = std::string_view(text).substr(0, kWarning.size()) == kWarning;
    std::string line = start(warning ? "warning" : "note");
    line += ",\"message\":";
    append_json_string(line, without_prefix(without_prefix(text, kWarning), "ralph: "));
    finish(line);
  }
  // When a wait starts or its reason changes, then once a minute.
  void waiting(const std::string& why, std::chrono::seconds left) override {
    const auto minute = left.count() / 60;
    if (why == last_wait_ && minute == last_wait_minute_) return;
    last_wait_ = why;
    last_wait_minute_ = minute;
    std::string line = start("waiting");
    line += ",\"reason\":";
    append_json_string(line, why);
    line += fmt::format(",\"seconds_left\":{}", left.count());
    finish(line);
  }
  void halted(const Halt& halt) override {
    std::string line = start("halt");
    line += ",\"reason\":";
    append_json_string(line, halt_name(halt.reason));
    line += ",\"detail\":";
    append_json_string(line, halt.detail);
    line += fmt::format(",\"exit_code\":{}", exit_code(halt.reason));
    finish(line);
  }

 private:
  std::string start(std::string_view event) const {
    std::string line = "{\"event\":";
    append_json_string(line, event);
    line += ",\"time\":";
    append_json_string(line, format_rfc3339(clock_.wall_now()));
    line += ",\"run_id\":";
    text_or_null(line, run_id_);
    return line;
  }
  static void text_or_null(std::string& line, const std::string& text) {
    if (text.empty()) {
      line += "null";
    } else {
      append_json_string(line, text);
    }
  }
  void finish(std::string& line) {
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), out_);
    std::fflush(out_);
  }

  std::FILE* out_;
  const Clock& clock_;
  std::string run_id_;
  std::string last_wait_;
  int64_t last_wait_minute_ = -1;
};

}  // namespace

std::unique_ptr<Display> make_event_display(std::FILE* out, const Clock& clock) {
  return std::make_unique<EventDisplay>(out, clock);
}

}  // namespace ralph::loop
