#include "meter/record.hpp"

#include <climits>

#include "util/json_safe.hpp"

namespace ralph::meter {

using nlohmann::json;

json to_json(const IterationRecord& r) {
  json out = json::object();
  out["run_id"] = r.run_id;
  out["iteration"] = r.iteration;
  out["started_at"] = r.started_at;
  out["ended_at"] = r.ended_at;
  out["duration_ms"] = r.duration_ms;
  out["item_id"] = r.item_id ? json(*r.item_id) : json(nullptr);
  out["model"] = r.model;
  write_usage(r.usage, out);
  out["cost_usd"] = r.cost_usd;
  out["cost_source"] = r.cost_source;
  out["num_turns"] = r.num_turns;
  out["outcome"] = r.outcome;
  out["items_completed"] = r.items_completed;
  out["commit"] = r.commit ? json(*r.commit) : json(nullptr);
  out["session_id"] = r.session_id ? json(*r.session_id) : json(nullptr);
  json models = json::object();
  for (const auto& [name, cost] : r.models) {
    json entry = json::object();
    write_usage(cost.usage, entry);
    entry["cost_usd"] = cost.cost_usd;
    models[name] = entry;
  }
  out["models"] = models;
  out["peak_context_tokens"] = r.peak_context_tokens;
  out["agent_commits"] = r.agent_commits;
  out["claimed_complete"] = r.claimed_complete;
  out["agent_subtype"] = r.agent_subtype;
  out["exit_code"] = r.exit_code;
  if (r.rejected_by) {
    out["rejected_by"] = *r.rejected_by;
    out["rejected_items"] = r.rejected_items;
  }
  return out;
}

namespace {

template <class T>
T get_or(const json& object, const char* key, T fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

std::optional<std::string> optional_string(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::optional<IterationRecord> record_from_json(const json& v) {
  if (!v.is_object() || !v.contains("run_id") || !v.contains("iteration")) return std::nullopt;
  IterationRecord r;
  r.run_id = get_or<std::string>(v, "run_id", "");
  r.iteration = static_cast<int>(json_int(json_member(v, "iteration"), 0, INT32_MAX, 0));
  r.started_at = get_or<std::string>(v, "started_at", "");
  r.ended_at = get_or<std::string>(v, "ended_at", "");
  r.duration_ms = json_int(json_member(v, "duration_ms"), 0, INT64_MAX, 0);
  r.item_id = optional_string(v, "item_id");
  r.model = get_or<std::string>(v, "model", "");
  r.usage = usage_from_api(v);
  r.cost_usd = get_or<double>(v, "cost_usd", 0.0);
  r.cost_source = get_or<std::string>(v, "cost_source", "");
  r.num_turns = static_cast<int>(json_int(json_member(v, "num_turns"), 0, INT32_MAX, 0));
  r.outcome = get_or<std::string>(v, "outcome", "");
  r.items_completed = get_or<std::vector<std::string>>(v, "items_completed", {});
  r.commit = optional_string(v, "commit");
  r.session_id = optional_string(v, "session_id");
  if (auto models = v.find("models"); models != v.end() && models->is_object()) {
    for (const auto& [name, entry] : models->items()) {
      r.models[name] = ModelCost{usage_from_api(entry), get_or<double>(entry, "cost_usd", 0.0)};
    }
  }
  r.peak_context_tokens = json_int(json_member(v, "peak_context_tokens"), 0, INT64_MAX, 0);
  r.agent_commits = get_or<std::vector<std::string>>(v, "agent_commits", {});
  r.claimed_complete = get_or<bool>(v, "claimed_complete", false);
  r.agent_subtype = get_or<std::string>(v, "agent_subtype", "");
  r.exit_code = static_cast<int>(json_int(json_member(v, "exit_code"), INT32_MIN, INT32_MAX, 0));
  r.rejected_by = optional_string(v, "rejected_by");
  r.rejected_items = get_or<std::vector<std::string>>(v, "rejected_items", {});
  return r;
}

}  // namespace ralph::meter
