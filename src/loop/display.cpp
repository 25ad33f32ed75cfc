#include "loop/display.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ralph::loop {

std::string human_tokens(int64_t count) {
  if (count < 1000) return std::to_string(count);
  if (count < 1'000'000) return fmt::format("{:.1f}k", static_cast<double>(count) / 1e3);
  return fmt::format("{:.1f}M", static_cast<double>(count) / 1e6);
}

std::string human_duration(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  if (ms < 60'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
  auto seconds = ms / 1000;
  if (seconds < 3600) return fmt::format("{}m{:02}s", seconds / 60, seconds % 60);
  return fmt::format("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60);
}

std::string spend_text(double spent, std::optional<double> budget) {
  if (!budget) return fmt::format("${:.4f}", spent);
  return fmt::format("${:.4f} of ${:.2f}", spent, *budget);
}

namespace {

std::string finished_line(const meter::IterationRecord& r, double run_cost,
                          std::optional<double> budget) {
  std::string line = fmt::format(
      "iteration {} {}: ${:.4f} ({}), {} turns, tokens in={} out={} cache_write={} "
      "cache_read={}, {}",
      r.iteration, r.outcome, r.cost_usd, r.cost_source, r.num_turns, r.usage.input_tokens,
      r.usage.output_tokens, r.usage.cache_creation_input_tokens, r.usage.cache_read_input_tokens,
      human_duration(std::chrono::milliseconds(r.duration_ms)));
  if (!r.items_completed.empty()) {
    line += fmt::format(", completed {}", fmt::join(r.items_completed, " "));
  }
  if (r.commit) line += fmt::format(", commit {}", r.commit->substr(0, 10));
  line += fmt::format("; run {}", spend_text(run_cost, budget));
  return line;
}

std::string started_line(const LiveStatus& s) {
  return fmt::format("iteration {} started: {} {}{}", s.iteration,
                     s.item_id.empty() ? "(no item)" : s.item_id, s.item_title,
                     !s.model_note.empty() ? fmt::format(" [{}]", s.model_note)
                     : s.model.empty()     ? ""
                                           : fmt::format(" [{}]", s.model));
}

std::string halt_line(const Halt& halt) {
  return fmt::format("halt: {}{}{}", halt_name(halt.reason), halt.detail.empty() ? "" : " - ",
                     halt.detail);
}

// Plain lines per event; on a terminal also a live status line, redrawn in place and cleared
// before the next plain line.
class LineDisplay final : public Display {
 public:
  LineDisplay(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}
  void run_started(const std::string& run_id, bool resumed) override {
    print(fmt::format("ralph: {} run {}", resumed ? "resuming" : "starting", run_id));
  }
  void iteration_started(const LiveStatus& status) override {
    print(started_line(status));
    live(status);
  }
  void live(const LiveStatus& s) override {
    if (!terminal_) return;
    std::string line =
        fmt::format("#{} {} | {} | in {} out {} cache {}/{} | ${:.4f} | run {} | {}", s.iteration,
                    s.item_id.empty() ? "-" : s.item_id, s.model.empty() ? "..." : s.model,
                    human_tokens(s.usage.input_tokens), human_tokens(s.usage.output_tokens),
                    human_tokens(s.usage.cache_creation_input_tokens),
                    human_tokens(s.usage.cache_read_input_tokens), s.iteration_cost,
                    spend_text(s.run_cost, s.budget), human_duration(s.elapsed));
    // One line only: a wrapped line could not be redrawn in place.
    size_t width = terminal_width();
    if (line.size() >= width) line.resize(width - 1);
    fmt::print(out_, "\r\033[K{}", line);
    std::fflush(out_);
    status_shown_ = true;
  }
  void iteration_finished(const meter::IterationRecord& record, double run_cost,
                          std::optional<double> budget) override {
    print(finished_line(record, run_cost, budget));
  }
  void note(const std::string& text) override { print(text); }
  void halted(const Halt& halt) override { print(halt_line(halt)); }
  void waiting(const std::string& why, std::chrono::seconds left) override {
    std::string text =
        fmt::format("ralph: {} ({} left)", why, human_duration(std::chrono::milliseconds(left)));
    if (terminal_) {
      size_t width = terminal_width();
      if (text.size() >= width) text.resize(width - 1);
      fmt::print(out_, "\r\033[K{}", text);
      std::fflush(out_);
      status_shown_ = true;
      return;
    }
    // Plain output: a line when a wait starts, then one a minute.
    auto minute = left.count() / 60;
    if (why != last_wait_ || minute != last_wait_minute_) print(text);
    last_wait_ = why;
    last_wait_minute_ = minute;
  }

 private:
  void print(const std::string& line) {
    if (status_shown_) fmt::print(out_, "\r\033[K");
    status_shown_ = false;
    fmt::print(out_, "{}\n", line);
    std::fflush(out_);
  }
  size_t terminal_width() const {
    winsize size{};
    if (::ioctl(::fileno(out_), TIOCGWINSZ, &size) == 0 && size.ws_col > 10) return size.ws_col;
    return 80;
  }
  std::FILE* out_;
  bool terminal_;
  bool status_shown_ = false;
  std::string last_wait_;
  int64_t last_wait_minute_ = -1;
};

}  // namespace

std::unique_ptr<Display> make_display(std::FILE* out, bool terminal) {
  return std::make_unique<LineDisplay>(out, terminal);
}

}  // namespace ralph::loop
