#include "budget/window_pace.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/grouped.hpp"
#include "util/json_safe.hpp"

namespace ralph::budget {

int64_t limit_tokens(const BlockLimit& limit, const WindowView& view) {
  return limit.largest_earlier ? view.largest_earlier : limit.tokens;
}

WindowView read_window(const meter::ScanOptions& options, const meter::PricingTable& pricing,
                       int64_t now_ms) {
  meter::UsageScan scan = meter::scan_transcripts(options, pricing);
  auto blocks = meter::usage_blocks(scan.entries, now_ms);
  return {meter::active_block(blocks), meter::largest_block_tokens(blocks)};
}

PaceDecision pace(const std::optional<meter::UsageBlock>& active, int64_t next_iteration_tokens,
                  int64_t limit, int64_t now_ms, const std::function<std::string(int64_t)>& when) {
  PaceDecision decision;
  decision.limit = limit;
  if (limit <= 0 || !active || !active->active || now_ms >= active->end_ms) return decision;
  next_iteration_tokens = std::max<int64_t>(0, next_iteration_tokens);
  decision.block_tokens = active->total_tokens();
  decision.projected_tokens = saturating_add(decision.block_tokens, next_iteration_tokens);
  if (decision.projected_tokens <= limit) return decision;
  if (next_iteration_tokens > limit) {
    decision.reason = fmt::format(
        "the next iteration (~{} tokens) alone would pass the 5-hour limit of {} tokens; "
        "waiting for the block to reset cannot help",
        grouped(next_iteration_tokens), grouped(limit));
    return decision;
  }
  decision.wait = true;
  decision.until_ms = active->end_ms;
  if (next_iteration_tokens > 0) {
    decision.reason = fmt::format(
        "the 5-hour block has {} of {} tokens; the next iteration (~{}) would pass the limit; it "
        "resets at {}",
        grouped(decision.block_tokens), grouped(limit), grouped(next_iteration_tokens),
        when(active->end_ms));
  } else {
    decision.reason =
        fmt::format("the 5-hour block has {} of {} tokens, past the limit; it resets at {}",
                    grouped(decision.block_tokens), grouped(limit), when(active->end_ms));
  }
  return decision;
}

}  // namespace ralph::budget
