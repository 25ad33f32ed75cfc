// `ralph status [--json] [--watch]`.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "cli/commands.hpp"
#include "cli/live_view.hpp"
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
  const auto period = std::chrono::milliseconds(static_cast<int64_t>(args.interval_s * 1000));
  LiveView view(args.json);
  for (;;) {
    view.show(render(*status, args.json));
    if (!run_is_live(*status) || !loop::pause_unless_interrupted(period)) return 0;
    status = source.refresh();
    if (!status) return fail(1, status.message());
  }
}

}  // namespace ralph::cli
