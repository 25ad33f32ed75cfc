#include "meter/record_view.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <map>

namespace ralph::meter {

void reset(RecordView& v) {
  for (std::string_view* text : {&v.run_id, &v.started_at, &v.ended_at, &v.model, &v.cost_source,
                                 &v.outcome, &v.agent_subtype, &v.model_reason, &v.line}) {
    *text = {};
  }
  for (std::optional<std::string_view>* text :
       {&v.item_id, &v.commit, &v.session_id, &v.rejected_by, &v.escalated_from, &v.complexity,
        &v.prompt_digest, &v.claude_md_digest, &v.worktree}) {
    text->reset();
  }
  for (std::vector<std::string_view>* list :
       {&v.items_completed, &v.agent_commits, &v.rejected_items, &v.anomalies}) {
    list->clear();
  }
  v.iteration = v.num_turns = v.exit_code = v.compactions = v.stray_processes = 0;
  v.duration_ms = v.peak_context_tokens = 0;
  v.usage = {};
  v.cost_usd = 0;
  v.models.clear();
  v.peak_context_fraction.reset();
  v.metered_cost_usd.reset();
  v.claimed_complete = v.lingered = v.history_rewritten = false;
  v.tier.reset();
  v.progress.reset();
  v.item_try.reset();
  v.number_texts.clear();
}

namespace {

// One field copied between a record and a view, in either direction.
template <class T>
void put(T& to, const T& from) {
  to = from;
}
void put(std::string_view& to, const std::string& from) {
  to = from;
}
void put(std::string& to, std::string_view from) {
  to.assign(from);
}

void put(std::optional<std::string_view>& to, const std::optional<std::string>& from) {
  if (from) {
    to = std::string_view(*from);
  } else {
    to.reset();
  }
}
void put(std::optional<std::string>& to, const std::optional<std::string_view>& from) {
  if (!from) {
    to.reset();
  } else if (to) {
    to->assign(*from);
  } else {
    to.emplace(*from);
  }
}

void put(std::vector<std::string_view>& to, const std::vector<std::string>& from) {
  to.assign(from.begin(), from.end());
}
void put(std::vector<std::string>& to, const std::vector<std::string_view>& from) {
  to.resize(from.size());
  for (size_t i = 0; i < from.size(); ++i) to[i].assign(from[i]);
}

void put(std::vector<ModelCostView>& to, const std::map<std::string, ModelCost>& from) {
  to.clear();
  for (const auto& [name, cost] : from) to.push_back({name, cost});
}
void put(std::map<std::string, ModelCost>& to, const std::vector<ModelCostView>& from) {
  to.clear();
  for (const auto& [name, cost] : from) to.emplace(name, cost);
}

// Every field of a record, once, for both directions.
template <class To, class From>
void copy_fields(To& to, const From& from) {
  put(to.run_id, from.run_id);
  put(to.iteration, from.iteration);
  put(to.started_at, from.started_at);
  put(to.ended_at, from.ended_at);
  put(to.duration_ms, from.duration_ms);
  put(to.item_id, from.item_id);
  put(to.model, from.model);
  put(to.usage, from.usage);
  put(to.cost_usd, from.cost_usd);
  put(to.cost_source, from.cost_source);
  put(to.num_turns, from.num_turns);
  put(to.outcome, from.outcome);
  put(to.items_completed, from.items_completed);
  put(to.commit, from.commit);
  put(to.session_id, from.session_id);
  put(to.models, from.models);
  put(to.peak_context_tokens, from.peak_context_tokens);
  put(to.peak_context_fraction, from.peak_context_fraction);
  put(to.compactions, from.compactions);
  put(to.agent_commits, from.agent_commits);
  put(to.claimed_complete, from.claimed_complete);
  put(to.agent_subtype, from.agent_subtype);
  put(to.exit_code, from.exit_code);
  put(to.metered_cost_usd, from.metered_cost_usd);
  put(to.stray_processes, from.stray_processes);
  put(to.lingered, from.lingered);
  put(to.history_rewritten, from.history_rewritten);
  put(to.rejected_by, from.rejected_by);
  put(to.rejected_items, from.rejected_items);
  put(to.tier, from.tier);
  put(to.escalated_from, from.escalated_from);
  put(to.model_reason, from.model_reason);
  put(to.complexity, from.complexity);
  put(to.prompt_digest, from.prompt_digest);
  put(to.claude_md_digest, from.claude_md_digest);
  put(to.anomalies, from.anomalies);
  put(to.progress, from.progress);
  put(to.item_try, from.item_try);
  put(to.worktree, from.worktree);
}

}  // namespace

RecordView::RecordView(const IterationRecord& record) {
  copy_fields(*this, record);
}

void assign(IterationRecord& record, const RecordView& view) {
  copy_fields(record, view);
}

IterationRecord to_record(const RecordView& view) {
  IterationRecord record;
  assign(record, view);
  return record;
}

std::string_view verbatim_json(const RecordView& view) {
  if (view.line.empty()) return {};
  // As append_json_number writes them: the shortest text that reads back the same.
  char text[32];
  for (const auto& [written, value] : view.number_texts) {
    if (!std::isfinite(value)) return {};
    auto end = fmt::format_to_n(text, sizeof text, "{}", value).out;
    if (static_cast<size_t>(end - text) != written.size() ||
        std::memcmp(text, written.data(), written.size()) != 0) {
      return {};
    }
  }
  return view.line;
}

}  // namespace ralph::meter
