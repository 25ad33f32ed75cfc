#include "loop/hooks.hpp"

#include <fmt/format.h>

namespace ralph::loop {

using nlohmann::json;

bool Hooks::has(const std::string& event) const {
  auto it = hooks_.find(event);
  return runner_ != nullptr && it != hooks_.end() && !it->second.empty();
}

void Hooks::note_strays(const std::string& hook, const std::string& event,
                        const HookResult& result) {
  if (result.strays.empty()) return;
  display_.note(agent::strays_warning(result.strays, fmt::format("hook {} ({})", hook, event)));
}

void Hooks::notify(const json& payload) {
  const std::string event = payload.value("event", "");
  if (!has(event)) return;
  for (const auto& hook : hooks_.at(event)) {
    HookResult result = runner_->run(hook, payload);
    note_strays(hook, event, result);
    if (result.ok()) continue;
    std::string last = result.last_line();
    display_.note(fmt::format("ralph: warning: hook {} ({}) {}{}{}", hook, event, result.describe(),
                              last.empty() ? "" : ": ", last));
  }
}

std::optional<HookRejection> Hooks::gate(const json& payload) {
  const std::string event = payload.value("event", "");
  if (!has(event)) return std::nullopt;
  for (const auto& hook : hooks_.at(event)) {
    HookResult result = runner_->run(hook, payload);
    note_strays(hook, event, result);
    if (!result.ok()) return HookRejection{hook, std::move(result)};
  }
  return std::nullopt;
}

namespace {

json base(const std::string& event, const std::string& run_id, int iteration) {
  return json{{"event", event}, {"run_id", run_id}, {"iteration", iteration}};
}

json optional_number(std::optional<double> value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

json pre_iteration_event(const std::string& run_id, int iteration, const std::string& item_id,
                         const std::string& item_title, const std::string& model, double spent_usd,
                         std::optional<double> budget_usd) {
  json out = base("pre_iteration", run_id, iteration);
  out["item"] = json{{"id", item_id}, {"title", item_title}};
  out["model"] = model;
  out["spent_usd"] = spent_usd;
  out["budget_usd"] = optional_number(budget_usd);
  return out;
}

json budget_warning_event(const std::string& run_id, int iteration, const std::string& cap,
                          double threshold, double spent_usd, double budget_usd) {
  json out = base("on_budget_warning", run_id, iteration);
  out["cap"] = cap;
  out["threshold"] = threshold;
  out["spent_usd"] = spent_usd;
  out["budget_usd"] = budget_usd;
  return out;
}

json context_warning_event(const std::string& run_id, int iteration, const std::string& item_id,
                           const std::string& model, double fraction, int64_t tokens,
                           int64_t window) {
  json out = base("on_context_warning", run_id, iteration);
  out["item_id"] = item_id;
  out["model"] = model;
  out["fraction"] = fraction;
  out["tokens"] = tokens;
  out["context_window"] = window;
  return out;
}

json anomaly_event(const std::string& run_id, int iteration, const std::string& item_id,
                   const std::string& metric, double value, double median, const std::string& text,
                   bool halting) {
  json out = base("on_anomaly", run_id, iteration);
  out["item_id"] = item_id;
  out["metric"] = metric;
  out["value"] = value;
  out["median"] = median;
  out["anomaly"] = text;
  out["halting"] = halting;
  return out;
}

json pre_commit_event(const meter::IterationRecord& record,
                      const std::vector<std::string>& changed_files) {
  json out = base("pre_commit", record.run_id, record.iteration);
  out["record"] = meter::to_json(record);
  out["changed_files"] = changed_files;
  return out;
}

json post_iteration_event(const meter::IterationRecord& record, const meter::Totals& run_totals) {
  json out = base("post_iteration", record.run_id, record.iteration);
  out["record"] = meter::to_json(record);
  out["totals"] = meter::to_json(run_totals);
  return out;
}

json halt_event(const std::string& run_id, int iteration, const Halt& halt,
                const meter::Totals& run_totals, int items_total, int items_passing) {
  json out = base("on_halt", run_id, iteration);
  out["halt_reason"] = halt_name(halt.reason);
  out["halt_detail"] = halt.detail;
  out["exit_code"] = exit_code(halt.reason);
  out["totals"] = meter::to_json(run_totals);
  out["items_total"] = items_total;
  out["items_passing"] = items_passing;
  return out;
}

}  // namespace ralph::loop
