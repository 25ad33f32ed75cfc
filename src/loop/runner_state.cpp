// What the run tells state.json, and how it ends (README "Files ralph writes", "Hooks"): the
// on_halt hooks, the last sweep of the run's processes, the halt line; and the sweeps and
// notes the other parts share.
#include <fmt/format.h>

#include "agent/process_tree.hpp"
#include "loop/runner.hpp"
#include "util/clock.hpp"

namespace ralph::loop {

void Runner::write_state(const std::string& status, const std::optional<Halt>& halt) {
  write_state_as(options_.state_path(), state_, status, halt,
                 format_rfc3339(deps_.clock.wall_now()),
                 [this](const std::string& text) { deps_.display.note(text); });
}

std::vector<agent::StrayProcess> Runner::sweep(const agent::SweepSpec& spec,
                                               const std::string& whose) {
  if (deps_.sweeper == nullptr) return {};
  auto strays = deps_.sweeper->sweep(spec);
  if (!strays.empty()) deps_.display.note(agent::strays_warning(strays, whose));
  return strays;
}

std::string Runner::redact(std::string_view text) const {
  return deps_.redact ? deps_.redact(text) : std::string(text);
}

Halt Runner::finish(Halt halt) {
  share_run_spend(0);
  if (!state_.run_id.empty()) {
    plan::Problems problems;
    if (auto plan = reload(problems)) {
      state_.items_total = static_cast<int>(plan->items.size());
      state_.items_passing = static_cast<int>(plan::passing_ids(*plan).size());
    }
    write_state("halted", halt);
    hooks_.notify(halt_event(state_.run_id, last_iteration_, halt, totals_, state_.items_total,
                             state_.items_passing));
    // Anything of this run's still running (an orphan whose iteration's sweep it escaped, by
    // leaving its environment behind, say): no process outlives the run.
    agent::SweepSpec rest;
    rest.tag = agent::process_tag_prefix(tag_scope(state_.run_id));
    rest.tag_prefix = true;
    rest.started_after = started_ticks_;
    rest.orphans = true;
    rest.hurry = [this] { return deps_.interrupts && deps_.interrupts() > 1; };
    rest.grace = rest.hurry() ? std::chrono::milliseconds(0) : options_.stop_grace;
    sweep(rest, "the run");
  }
  // Records a shared ledger has not taken yet: where they wait (README "A shared ledger in
  // PostgreSQL").
  if (deps_.ledger != nullptr) {
    if (const int waiting = deps_.ledger->waiting(); waiting > 0) {
      deps_.display.note(fmt::format(
          "ralph: warning: {} record{} of this machine wait in {} for the ledger {}: any ralph "
          "that reaches it sends them (`ralph spend`, the next run)",
          waiting, waiting == 1 ? "" : "s", deps_.ledger->path().string(), deps_.ledger->where()));
    }
  }
  deps_.display.halted(halt);  // the last line of a run
  return halt;
}

}  // namespace ralph::loop
