// One iteration's record in the cost log (README "Files ralph writes").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meter/usage.hpp"

namespace ralph::meter {

struct ModelCost {
  Usage usage;
  double cost_usd = 0;
};

struct IterationRecord {
  std::string run_id;
  int iteration = 0;
  std::string started_at;
  std::string ended_at;
  int64_t duration_ms = 0;
  std::optional<std::string> item_id;
  std::string model;
  Usage usage;
  double cost_usd = 0;
  std::string cost_source;  // "agent" or "estimated"
  int num_turns = 0;
  std::string outcome;  // success, agent_error, timeout, budget, interrupted, rejected
  std::vector<std::string> items_completed;
  std::optional<std::string> commit;
  std::optional<std::string> session_id;
  // Extensions (readers ignore fields they do not know).
  std::map<std::string, ModelCost> models;
  int64_t peak_context_tokens = 0;
  // How full the context got: the largest turn's context over its model's window (README
  // "Files ralph writes"); none when the window is not known.
  std::optional<double> peak_context_fraction;
  int compactions = 0;  // the agent's compactions of its context in this iteration
  std::vector<std::string> agent_commits;
  bool claimed_complete = false;
  std::string agent_subtype;
  int exit_code = 0;
  // What ralph's own meter priced (the figure every cap is enforced with), next to
  // `cost_usd`, the agent's figure when it gave one. See README "Prices". None in records
  // written before ralph recorded it.
  std::optional<double> metered_cost_usd;
  // Processes the agent left running when the iteration ended, which ralph stopped.
  int stray_processes = 0;
  // The agent printed its result but did not exit within `result_grace` and was stopped.
  bool lingered = false;
  // The run's branch no longer held ralph's previous commit of the run when this iteration
  // was committed (the agent reset or rewrote it); the commit is kept under refs/ralph/.
  bool history_rewritten = false;
  // Outcome `rejected`: the pre_commit hook that refused the work, and the items this
  // iteration had marked passing, set back to failing (written only when rejected).
  std::optional<std::string> rejected_by;
  std::vector<std::string> rejected_items;
  // The model ladder (README "Models"): the model's index on `models` (none: no ladder, or a
  // model not on it), the model the item was on before it escalated, and why this model, in
  // one line. `complexity`: the item's estimated complexity ("low", "middle", "high") under
  // start_tier "auto".
  std::optional<int> tier;
  std::optional<std::string> escalated_from;
  std::string model_reason;
  std::optional<std::string> complexity;
  // What made the prompt cache's prefix when the iteration started: short digests of
  // plans/PROMPT.md and the repository's CLAUDE.md (none: no such file). A change explains a
  // cold cache (README "Insights").
  std::optional<std::string> prompt_digest;
  std::optional<std::string> claude_md_digest;
  // Anomalies (README "Anomalies"): "cost 6.2x the run's median", one per metric flagged.
  std::vector<std::string> anomalies;
  // How the loop counted the iteration, so a resume counts it the same (none in records of
  // older versions): whether it made progress (changed files or completed an item, and was not
  // rejected), and whether it was one of its item's tries (not interrupted, not a usage
  // limit, the agent started).
  std::optional<bool> progress;
  std::optional<bool> item_try;
  // Items run side by side (README "Running many loops"): the item whose worktree ran the
  // iteration (none: the main work tree).
  std::optional<std::string> worktree;
};

nlohmann::json to_json(const IterationRecord& record);
// Reads a record back; missing optional fields take their defaults. Throws nothing: a line
// that is not a record gives nullopt.
std::optional<IterationRecord> record_from_json(const nlohmann::json& value);

}  // namespace ralph::meter
