// `ralph costs`: the cost log, for one run or all of them.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/project.hpp"
#include "loop/display.hpp"
#include "loop/state.hpp"
#include "meter/cost_log.hpp"
#include "meter/totals.hpp"

namespace ralph::cli {

namespace {

void print_table(const std::vector<meter::IterationRecord>& records, const meter::Totals& totals) {
  fmt::print("{:>5} {:<12} {:<20} {:>10} {:>10} {:>11} {:>11} {:>10} {:>8} {:<11} {}\n", "iter",
             "item", "model", "input", "output", "cache_write", "cache_read", "cost_usd",
             "duration", "outcome", "commit");
  for (const auto& r : records) {
    fmt::print("{:>5} {:<12} {:<20} {:>10} {:>10} {:>11} {:>11} {:>10.4f} {:>8} {:<11} {}\n",
               r.iteration, r.item_id.value_or("-"), r.model, r.usage.input_tokens,
               r.usage.output_tokens, r.usage.cache_creation_input_tokens,
               r.usage.cache_read_input_tokens, r.cost_usd,
               loop::human_duration(std::chrono::milliseconds(r.duration_ms)), r.outcome,
               r.commit ? r.commit->substr(0, 10) : "-");
  }
  fmt::print("{:>5} {:<12} {:<20} {:>10} {:>10} {:>11} {:>11} {:>10.4f}\n", "total",
             fmt::format("{} iter.", totals.iterations), "", totals.usage.input_tokens,
             totals.usage.output_tokens, totals.usage.cache_creation_input_tokens,
             totals.usage.cache_read_input_tokens, totals.cost_usd);
}

}  // namespace

int run_costs(const CostsArgs& args) {
  if (args.all && args.run_id) return fail(2, "--run and --all exclude each other");
  auto project = locate_project(args.plan_dir);
  if (!project) return fail(2, project.message());
  meter::CostLog log(project->root / ".ralph" / "iterations.jsonl");
  auto contents = log.read_all();
  if (!contents) return fail(1, contents.message());

  std::optional<std::string> run_id = args.run_id;
  if (!args.all && !run_id) {
    // The last run: the state file's, else the newest record's.
    if (auto state = loop::read_state(project->root / ".ralph" / "state.json")) {
      run_id = state->run_id;
    } else if (!contents->records.empty()) {
      run_id = contents->records.back().run_id;
    }
  }
  std::vector<meter::IterationRecord> selected;
  for (auto& record : contents->records) {
    if (!run_id || record.run_id == *run_id) selected.push_back(std::move(record));
  }
  if (args.run_id && selected.empty()) {
    return fail(2, fmt::format("no iterations of run {} in .ralph/iterations.jsonl", *args.run_id));
  }
  meter::Totals totals = meter::sum(selected);
  if (args.json) {
    nlohmann::json out{{"iterations", nlohmann::json::array()}, {"totals", to_json(totals)}};
    for (const auto& record : selected) out["iterations"].push_back(meter::to_json(record));
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (selected.empty()) {
    fmt::print("no iterations recorded yet (.ralph/iterations.jsonl is empty)\n");
    return 0;
  }
  print_table(selected, totals);
  return 0;
}

}  // namespace ralph::cli
