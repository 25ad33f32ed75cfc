#include "loop/state.hpp"

#include <algorithm>

#include "util/fs.hpp"

namespace ralph::loop {

using nlohmann::json;

json to_json(const RunState& s) {
  json blocked = json::array();
  for (const auto& [id, why] : s.blocked_items) blocked.push_back({{"id", id}, {"reason", why}});
  json worktrees = json::array();
  for (const auto& w : s.worktrees) {
    worktrees.push_back({{"item", w.item},
                         {"status", w.status},
                         {"path", w.path},
                         {"branch", w.branch},
                         {"base", w.base},
                         {"attempt", w.attempt},
                         {"pid", w.pid},
                         {"conflicts", w.conflicts},
                         {"conflicted", w.conflicted},
                         {"detail", w.detail}});
  }
  json out{
      {"run_id", s.run_id},
      {"status", s.status},
      {"halt_reason", s.halt_reason.empty() ? json(nullptr) : json(s.halt_reason)},
      {"halt_detail", s.halt_detail},
      {"started_at", s.started_at},
      {"updated_at", s.updated_at},
      {"pid", s.pid},
      {"iteration", s.iteration},
      {"current_item", s.current_item.empty() ? json(nullptr) : json(s.current_item)},
      {"spent_usd", s.spent_usd},
      {"budget_usd", s.budget_usd ? json(*s.budget_usd) : json(nullptr)},
      {"items_total", s.items_total},
      {"items_passing", s.items_passing},
      {"plan_dir", s.plan_dir},
      {"branch", s.branch},
      {"agent_pid", s.agent_pid},
      {"agent_start_ticks", s.agent_start_ticks},
      {"process_tag", s.process_tag},
      {"iteration_start_ticks", s.iteration_start_ticks},
      {"iteration_started_at", s.iteration_started_at},
      {"item_title", s.item_title},
      {"tier", s.tier >= 0 ? json(s.tier) : json(nullptr)},
      {"escalated_from", s.escalated_from.empty() ? json(nullptr) : json(s.escalated_from)},
      {"model_reason", s.model_reason},
      {"complexity", s.complexity.empty() ? json(nullptr) : json(s.complexity)},
      {"prompt_digest", s.prompt_digest.empty() ? json(nullptr) : json(s.prompt_digest)},
      {"claude_md_digest", s.claude_md_digest.empty() ? json(nullptr) : json(s.claude_md_digest)},
      {"passing_before", s.passing_before},
      {"blocked_items", std::move(blocked)},
      {"waiting_until", s.waiting_until.empty() ? json(nullptr) : json(s.waiting_until)},
      {"window", window_json(s)}};
  if (s.parallel > 0) {
    out["parallel"] = s.parallel;
    out["worktrees"] = std::move(worktrees);
  }
  return out;
}

json window_json(const RunState& s) {
  if (!s.window) return nullptr;
  return {{"tokens", s.window->tokens},
          {"limit", s.window->limit},
          {"resets_at", s.window->resets_at.empty() ? json(nullptr) : json(s.window->resets_at)}};
}

std::optional<RunState> state_from_json(const json& v) {
  if (!v.is_object()) return std::nullopt;
  auto text = [&](const char* key) {
    auto it = v.find(key);
    return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto number = [&](const char* key) {
    auto it = v.find(key);
    return it != v.end() && it->is_number() ? it->get<double>() : 0.0;
  };
  RunState s;
  s.run_id = text("run_id");
  if (s.run_id.empty()) return std::nullopt;
  s.status = text("status");
  s.halt_reason = text("halt_reason");
  s.halt_detail = text("halt_detail");
  s.started_at = text("started_at");
  s.updated_at = text("updated_at");
  s.pid = static_cast<int>(number("pid"));
  s.iteration = static_cast<int>(number("iteration"));
  s.current_item = text("current_item");
  s.spent_usd = number("spent_usd");
  if (auto it = v.find("budget_usd"); it != v.end() && it->is_number()) {
    s.budget_usd = it->get<double>();
  }
  s.items_total = static_cast<int>(number("items_total"));
  s.items_passing = static_cast<int>(number("items_passing"));
  s.plan_dir = text("plan_dir");
  s.branch = text("branch");
  s.agent_pid = static_cast<int>(number("agent_pid"));
  s.iteration_started_at = text("iteration_started_at");
  s.item_title = text("item_title");
  if (auto it = v.find("tier"); it != v.end() && it->is_number_integer()) {
    s.tier = std::max(-1, static_cast<int>(std::clamp<int64_t>(it->get<int64_t>(), -1, 1 << 20)));
  }
  s.escalated_from = text("escalated_from");
  s.model_reason = text("model_reason");
  s.complexity = text("complexity");
  s.prompt_digest = text("prompt_digest");
  s.claude_md_digest = text("claude_md_digest");
  s.waiting_until = text("waiting_until");
  if (auto it = v.find("window"); it != v.end() && it->is_object()) {
    auto count = [&](const char* key) {
      auto field = it->find(key);
      return field != it->end() && field->is_number_integer() ? field->get<int64_t>() : 0;
    };
    auto resets = it->find("resets_at");
    s.window = RunState::Window{
        count("tokens"), count("limit"),
        resets != it->end() && resets->is_string() ? resets->get<std::string>() : ""};
  }
  if (auto it = v.find("passing_before"); it != v.end() && it->is_array()) {
    for (const auto& id : *it) {
      if (id.is_string()) s.passing_before.push_back(id.get<std::string>());
    }
  }
  if (auto it = v.find("blocked_items"); it != v.end() && it->is_array()) {
    for (const auto& item : *it) {
      if (!item.is_object()) continue;
      auto id = item.find("id");
      auto why = item.find("reason");
      if (id == item.end() || !id->is_string()) continue;
      s.blocked_items[id->get<std::string>()] =
          why != item.end() && why->is_string() ? why->get<std::string>() : std::string();
    }
  }
  s.parallel = static_cast<int>(number("parallel"));
  if (auto it = v.find("worktrees"); it != v.end() && it->is_array()) {
    for (const auto& w : *it) {
      if (!w.is_object()) continue;
      auto field = [&](const char* key) {
        auto at = w.find(key);
        return at != w.end() && at->is_string() ? at->get<std::string>() : std::string();
      };
      auto count = [&](const char* key) {
        auto at = w.find(key);
        return at != w.end() && at->is_number_integer()
                   ? static_cast<int>(std::clamp<int64_t>(at->get<int64_t>(), 0, 1 << 30))
                   : 0;
      };
      RunState::Worktree tree{field("item"),       field("status"),  field("path"), field("branch"),
                              field("base"),       count("attempt"), count("pid"),  {},
                              count("conflicted"), field("detail")};
      if (tree.item.empty()) continue;
      if (auto paths = w.find("conflicts"); paths != w.end() && paths->is_array()) {
        for (const auto& path : *paths) {
          if (path.is_string()) tree.conflicts.push_back(path.get<std::string>());
        }
      }
      s.worktrees.push_back(std::move(tree));
    }
  }
  s.process_tag = text("process_tag");
  for (auto [key, out] : {std::pair{"agent_start_ticks", &s.agent_start_ticks},
                          std::pair{"iteration_start_ticks", &s.iteration_start_ticks}}) {
    if (auto it = v.find(key); it != v.end() && it->is_number_unsigned()) {
      *out = it->get<uint64_t>();
    }
  }
  return s;
}

Status write_state(const std::filesystem::path& path, const RunState& state) {
  return write_file_atomic(path, to_json(state).dump(2) + "\n");
}

void write_state_as(const std::filesystem::path& path, RunState& state, const std::string& status,
                    const std::optional<Halt>& halt, const std::string& now,
                    const std::function<void(const std::string&)>& warn) {
  state.status = status;
  state.updated_at = now;
  if (halt) {
    state.halt_reason = halt_name(halt->reason);
    state.halt_detail = halt->detail;
  }
  if (Status s = write_state(path, state); !s) warn("ralph: warning: " + s.message());
}

bool resumes_last_run(const std::optional<RunState>& previous, std::optional<bool> resume,
                      const std::function<void(const std::string&)>& note) {
  const bool interrupted =
      previous && (previous->status == "running" ||
                   previous->halt_reason == halt_name(HaltReason::kInterrupted));
  if (!resume.value_or(interrupted)) return false;
  if (!previous) {
    note("ralph: no earlier run to resume; starting a new one");
    return false;
  }
  return true;
}

std::optional<RunState> read_state(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  auto text = read_file(path);
  if (!text) return std::nullopt;
  return state_from_json(json::parse(*text, nullptr, /*allow_exceptions=*/false));
}

}  // namespace ralph::loop
