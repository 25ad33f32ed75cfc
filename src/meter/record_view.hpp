// A record as read from one line of the cost log, without copying it: the same fields as
// IterationRecord (record.hpp), its text fields pointing into the line (or the parser that
// read it). The readers of a long log (`ralph costs`, `ralph status`, `ralph report`) work on
// views and copy only what they keep; see ARCHITECTURE.md, `src/meter/`.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "meter/record.hpp"

namespace ralph::meter {

struct ModelCostView {
  std::string_view name;
  ModelCost cost;
};

struct RecordView {
  RecordView() = default;
  // The view of a record held in memory, as a string_view of a string: its text fields point
  // into `record`, which must outlive it.
  RecordView(const IterationRecord& record);  // NOLINT(google-explicit-constructor)

  std::string_view run_id;
  int iteration = 0;
  std::string_view started_at;
  std::string_view ended_at;
  int64_t duration_ms = 0;
  std::optional<std::string_view> item_id;
  std::string_view model;
  Usage usage;
  double cost_usd = 0;
  std::string_view cost_source;
  int num_turns = 0;
  std::string_view outcome;
  std::vector<std::string_view> items_completed;
  std::optional<std::string_view> commit;
  std::optional<std::string_view> session_id;
  std::vector<ModelCostView> models;  // in name order, each name once, as the record's map
  int64_t peak_context_tokens = 0;
  std::optional<double> peak_context_fraction;
  int compactions = 0;
  std::vector<std::string_view> agent_commits;
  bool claimed_complete = false;
  std::string_view agent_subtype;
  int exit_code = 0;
  std::optional<double> metered_cost_usd;
  int stray_processes = 0;
  bool lingered = false;
  bool history_rewritten = false;
  std::optional<std::string_view> rejected_by;
  std::vector<std::string_view> rejected_items;
  std::optional<int> tier;
  std::optional<std::string_view> escalated_from;
  std::string_view model_reason;
  std::optional<std::string_view> complexity;
  std::optional<std::string_view> prompt_digest;
  std::optional<std::string_view> claude_md_digest;
  std::vector<std::string_view> anomalies;
  std::optional<bool> progress;
  std::optional<bool> item_try;
  std::optional<std::string_view> worktree;

  // Set when the line has exactly the form append_record_json writes, its fractional numbers
  // aside: then `line` is the whole line, and `number_texts` holds each fractional number's
  // text with the value the record holds (cache_hit_ratio's: the one its usage gives), for
  // verbatim_json to check. Empty otherwise.
  std::string_view line;
  std::vector<std::pair<std::string_view, double>> number_texts;
};

// Back to a default view, keeping the storage of its lists.
void reset(RecordView& view);
// Copies the view into `out`, reusing its storage.
void assign(IterationRecord& out, const RecordView& view);
IterationRecord to_record(const RecordView& view);
// The line the view was read from when it is exactly what append_record_json writes for the
// record (so it can be printed as it is); empty when it is not.
std::string_view verbatim_json(const RecordView& view);

}  // namespace ralph::meter
