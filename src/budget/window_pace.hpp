// Pacing a loop to the 5-hour window of a Claude subscription (ARCHITECTURE "src/budget/"):
// whether the next iteration waits for the active block to reset.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "meter/usage_blocks.hpp"

namespace ralph::budget {

// `block_limit` (README "Pacing to the 5-hour window"): the tokens a block may hold, or the
// largest earlier block's.
struct BlockLimit {
  int64_t tokens = 0;
  bool largest_earlier = false;  // "max"
};

// What the pacing needs of the transcripts now.
struct WindowView {
  std::optional<meter::UsageBlock> active;
  int64_t largest_earlier = 0;  // the largest block that is not active
};

// The limit in tokens: `limit.tokens`, or the largest earlier block's (0, no limit, when
// there is none).
int64_t limit_tokens(const BlockLimit& limit, const WindowView& view);

// The blocks of every transcript under `options.roots` at `now_ms`.
WindowView read_window(const meter::ScanOptions& options, const meter::PricingTable& pricing,
                       int64_t now_ms);

// Whether the loop waits for the 5-hour window before its next iteration.
struct PaceDecision {
  bool wait = false;
  int64_t until_ms = 0;          // when waiting: the active block's end
  int64_t block_tokens = 0;      // the active block's tokens so far
  int64_t projected_tokens = 0;  // block_tokens + the next iteration's
  int64_t limit = 0;
  std::string reason;  // one line for people; empty when there is nothing to say
};
// `active`: the active block, if any. `next_iteration_tokens`: the run's average iteration's
// total tokens (0 when unknown). Waits until active->end_ms when the block's tokens and the
// next iteration's would pass `limit`, unless the next iteration alone would (waiting cannot
// help; the reason says so). No wait without an active block or with `limit <= 0`. `when`
// formats a time for the reason.
PaceDecision pace(const std::optional<meter::UsageBlock>& active, int64_t next_iteration_tokens,
                  int64_t limit, int64_t now_ms, const std::function<std::string(int64_t)>& when);

}  // namespace ralph::budget
