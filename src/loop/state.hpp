// .ralph/state.json: the current or last run, rewritten atomically after every change.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.hpp"

namespace ralph::loop {

struct RunState {
  std::string run_id;
  std::string status;  // "running" or "halted"
  std::string halt_reason;
  std::string halt_detail;
  std::string started_at;
  std::string updated_at;
  int pid = 0;
  int iteration = 0;  // the last iteration started (numbers continue across a resume)
  std::string current_item;
  double spent_usd = 0;
  std::optional<double> budget_usd;
  int items_total = 0;
  int items_passing = 0;
  std::string plan_dir;
  std::string branch;  // the run's branch ("" when it runs on a detached HEAD)
  // While an iteration runs: the agent's process (group) and when it started, so a ralph
  // that resumes after a crash can stop an orphaned agent, and never a stranger.
  int agent_pid = 0;
  uint64_t agent_start_ticks = 0;
  // The iteration's RALPH_PROCESS_TAG, and when it started (clock ticks since boot): what a
  // resume stops of the processes a crashed ralph left (agent/process_tree.hpp).
  std::string process_tag;
  uint64_t iteration_start_ticks = 0;
  std::string iteration_started_at;
  std::string item_title;
  // The running iteration's model on the ladder (README "Models"), for its record should ralph
  // crash: its tier (-1: none), the model it escalated from ("": none), and why; the item's
  // estimated complexity and the digests of PROMPT.md and CLAUDE.md ("": none).
  int tier = -1;
  std::string escalated_from;
  std::string model_reason;
  std::string complexity;
  std::string prompt_digest;
  std::string claude_md_digest;
  std::vector<std::string> passing_before;  // items passing when the iteration started
  std::string waiting_until;                // RFC 3339, while waiting for a usage limit
  // With a block_limit (README "Pacing to the 5-hour window"): the active 5-hour block's tokens
  // when the loop last looked, its limit, and when it resets ("": no block is active).
  struct Window {
    int64_t tokens = 0;
    int64_t limit = 0;
    std::string resets_at;
  };
  std::optional<Window> window;
  // Items blocked for the rest of the run by a per-item limit: id -> why.
  std::map<std::string, std::string> blocked_items;
};

nlohmann::json to_json(const RunState& state);
// state.json's "window" (also in `ralph status --json`): null without a block_limit.
nlohmann::json window_json(const RunState& state);
std::optional<RunState> state_from_json(const nlohmann::json& value);

Status write_state(const std::filesystem::path& path, const RunState& state);
// The state file, or nullopt when there is none or it cannot be read.
std::optional<RunState> read_state(const std::filesystem::path& path);

}  // namespace ralph::loop
