// `ralph status [--json] [--watch]`.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli/commands.hpp"
#include "cli/project.hpp"
#include "loop/signals.hpp"
#include "report/run_status.hpp"

namespace ralph::cli {

namespace {

std::string render(const report::StatusReport& status, bool json) {
  return json ? to_json(status).dump() + "\n" : report::status_text(status);
}

bool run_is_live(const report::StatusReport& status) {
  std::string condition = report::run_condition(status);
  return condition == "running" || condition == "waiting";
}

// Sleeps `period` unless a signal comes first; false then.
bool pause(std::chrono::milliseconds period) {
  auto until = std::chrono::steady_clock::now() + period;
  while (std::chrono::steady_clock::now() < until) {
    if (loop::interrupt_count() > 0) return false;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(50), std::chrono::duration_cast<std::chrono::milliseconds>(
                                           until - std::chrono::steady_clock::now())));
  }
  return loop::interrupt_count() == 0;
}

}  // namespace

int run_status(const StatusArgs& args) {
  auto project = locate_project(args.plan_dir);
  if (!project) return fail(2, project.message());
  report::StatusSource source(project->root / ".ralph", project->plan);
  auto status = source.refresh();
  if (!status) return fail(1, status.message());
  if (!args.watch) {
    fmt::print("{}", render(*status, args.json));
    return 0;
  }

  // --watch: redraw in place on a terminal; elsewhere, print each change once.
  loop::install_interrupt_handlers();
  const bool terminal = !args.json && ::isatty(STDOUT_FILENO) == 1;
  const auto period = std::chrono::milliseconds(static_cast<int64_t>(args.interval_s * 1000));
  std::string shown;
  for (;;) {
    std::string text = render(*status, args.json);
    if (text != shown) {
      if (terminal) {
        fmt::print("\x1b[H\x1b[2J{}", text);
      } else {
        fmt::print("{}{}", shown.empty() || args.json ? "" : "\n", text);
      }
      std::fflush(stdout);
      shown = text;
    }
    if (!run_is_live(*status) || !pause(period)) return 0;
    status = source.refresh();
    if (!status) return fail(1, status.message());
  }
}

}  // namespace ralph::cli
