// The 5-hour windows of a Claude subscription (ARCHITECTURE "src/meter/"), from the responses
// that transcript_usage.hpp reads out of Claude Code's transcripts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "meter/transcript_usage.hpp"
#include "meter/usage.hpp"

namespace ralph::meter {

inline constexpr int64_t kBlockMs = int64_t{5} * 60 * 60 * 1000;

struct UsageBlock {
  int64_t start_ms = 0;  // the UTC hour of the block's first response, floored
  int64_t end_ms = 0;    // start_ms + 5 h
  int64_t first_ms = 0;  // its first response
  int64_t last_ms = 0;   // its last response
  bool active = false;   // now < end_ms and now - last_ms < 5 h
  int64_t entries = 0;
  Usage usage;
  double cost_usd = 0;
  std::vector<uint32_t> models;  // indexes into UsageScan::models, sorted, each once

  // Input, output, cache writes and cache reads.
  int64_t total_tokens() const;
};

// The blocks of `entries` (sorted by time, oldest first): a new block starts when a response
// comes at or after the current block's end, or more than 5 hours after the previous
// response. Only blocks with responses (no gap blocks), oldest first.
std::vector<UsageBlock> usage_blocks(const std::vector<UsageEntry>& entries, int64_t now_ms);

struct BurnRate {
  double tokens_per_minute = 0;
  double usd_per_hour = 0;
};
// As ccusage computes it: the block's tokens and cost over its first to last response; zero
// when those are less than a minute apart.
BurnRate burn_rate(const UsageBlock& block);

struct Projection {
  int64_t total_tokens = 0;
  double cost_usd = 0;
  int64_t remaining_ms = 0;  // until end_ms, never below zero
};
// What the block will hold at its end if the burn rate holds: its totals plus the burn rate
// over the time left. A block that is not active stays at its totals (remaining 0).
Projection projection(const UsageBlock& block, int64_t now_ms);

// `--token-limit max`: the largest total_tokens of the blocks that are not active; 0 when
// there are none.
int64_t largest_block_tokens(const std::vector<UsageBlock>& blocks);

// The active block of `blocks`, if any.
std::optional<UsageBlock> active_block(const std::vector<UsageBlock>& blocks);

// One block as `ccusage blocks --json` prints it: id, startTime, endTime, actualEndTime,
// isActive, isGap, entries, tokenCounts, totalTokens, costUSD, models (by name), burnRate and
// projection (null unless active), tokenLimitStatus (null unless active and a limit is given;
// status "ok", "warning" over 80% of the limit, "exceeds" over it).
nlohmann::json block_json(const UsageBlock& block, const std::vector<std::string>& model_names,
                          int64_t now_ms, std::optional<int64_t> token_limit);

}  // namespace ralph::meter
