#include "loop/options.hpp"

#include <fmt/format.h>

namespace ralph::loop {

Status RunOptions::create_run_dir(const std::string& run_id) const {
  std::error_code ec;
  std::filesystem::create_directories(runs_dir() / run_id, ec);
  if (ec) return make_error(fmt::format("cannot create the run folder: {}", ec.message()));
  return ok_status();
}

void RunOptions::apply(const plan::Settings& settings) {
  auto seconds = [&](const char* key) {
    return std::chrono::seconds(settings.number(key).value_or(0));
  };
  auto count = [&](const char* key) { return static_cast<int>(settings.number(key).value_or(0)); };
  budgets.run = settings.dollars("budget");
  budgets.iteration = settings.dollars("iteration_budget");
  budgets.item = settings.dollars("item_budget");
  budgets.day = settings.dollars("daily_budget");
  budgets.week = settings.dollars("weekly_budget");
  budgets.month = settings.dollars("monthly_budget");
  timezone = settings.text("timezone").value_or("");
  calendar_wait = settings.text("on_calendar_cap") == "wait";
  halts.max_iterations = count("max_iterations");
  halts.stall_after = count("stall_after");
  halts.max_agent_failures = count("max_agent_failures");
  halts.max_wait = seconds("max_wait");
  item_max_iterations = count("item_max_iterations");
  parallel = count("parallel");
  ledger = settings.text("ledger").value_or("");
  model = settings.text("model").value_or("");
  ladder.models = settings.list("models");
  ladder.escalate_after = count("escalate_after");
  ladder.auto_start = settings.text("start_tier") == "auto";
  anomaly_factor = settings.factor("anomaly_factor").value_or(4);
  halt_on_anomaly = settings.on("halt_on_anomaly");
  if (settings.text("block_limit") == "max") {
    block_limit = budget::BlockLimit{0, true};
  } else if (auto tokens = settings.number("block_limit")) {
    block_limit = budget::BlockLimit{*tokens, false};
  }
  agent = settings.text("agent").value_or("claude");
  iteration_timeout = seconds("iteration_timeout");
  idle_timeout = seconds("idle_timeout");
  result_grace = seconds("result_grace");
  no_commit = settings.on("no_commit");
  halt_on_history_rewrite = settings.text("on_history_rewrite") == "halt";
  hook_timeout = seconds("hook_timeout");
}

}  // namespace ralph::loop
