// .ralph/state.json: the current or last run, rewritten atomically after every change.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "loop/halt.hpp"
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
  // A run of items side by side (README "Running many loops"): how many at most (0: one at a
  // time, no worktrees), and each item's worktree.
  struct Worktree {
    std::string item;
    // "running", "merged" (its worktree is gone), "conflict" (its merge conflicted: it gets a
    // fresh worktree), "blocked" (kept until the run ends), "stopped" (resumed by a resume)
    std::string status;
    std::string path;    // relative to the repository: .ralph/worktrees/<item>
    std::string branch;  // ralph/<run>/<item>; after a conflict ralph/<run>/<item>-<attempt>
    std::string base;    // the run's commit it started from
    int attempt = 1;
    int pid = 0;                         // its loop's, while it runs
    std::vector<std::string> conflicts;  // the paths of the merges of the item that conflicted
    int conflicted = 0;                  // how many of its merges conflicted
    std::string detail;                  // why it is blocked, or how it was merged
  };
  int parallel = 0;
  std::vector<Worktree> worktrees;
};

nlohmann::json to_json(const RunState& state);
// state.json's "window" (also in `ralph status --json`): null without a block_limit.
nlohmann::json window_json(const RunState& state);
std::optional<RunState> state_from_json(const nlohmann::json& value);

Status write_state(const std::filesystem::path& path, const RunState& state);
// Sets `state`'s status, its time (`now`, RFC 3339) and the halt when one is given, and writes
// it to `path`; `warn` hears a write that failed.
void write_state_as(const std::filesystem::path& path, RunState& state, const std::string& status,
                    const std::optional<Halt>& halt, const std::string& now,
                    const std::function<void(const std::string&)>& warn);
// Whether a run resumes the last one, `previous`: when asked to (`resume` true), or by default
// (`resume` none) when it was interrupted or crashed; never when asked not to (false). `note`
// hears that there is none to resume.
bool resumes_last_run(const std::optional<RunState>& previous, std::optional<bool> resume,
                      const std::function<void(const std::string&)>& note);
// The state file, or nullopt when there is none or it cannot be read.
std::optional<RunState> read_state(const std::filesystem::path& path);

}  // namespace ralph::loop
