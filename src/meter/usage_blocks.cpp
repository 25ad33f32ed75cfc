#include "meter/usage_blocks.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "util/clock.hpp"
#include "util/json_safe.hpp"

namespace ralph::meter {
namespace {

constexpr int64_t kHourMs = int64_t{60} * 60 * 1000;
constexpr int64_t kMinuteMs = int64_t{60} * 1000;

int64_t floor_to_hour(int64_t ms) {
  int64_t hours = ms / kHourMs;
  if (ms % kHourMs < 0) --hours;
  return hours * kHourMs;
}

UsageBlock start_block(const UsageEntry& entry) {
  UsageBlock block;
  block.start_ms = floor_to_hour(entry.at_ms);
  block.end_ms = block.start_ms + kBlockMs;
  block.first_ms = entry.at_ms;
  block.last_ms = entry.at_ms;
  return block;
}

void finish_block(UsageBlock& block, int64_t now_ms) {
  std::sort(block.models.begin(), block.models.end());
  block.models.erase(std::unique(block.models.begin(), block.models.end()), block.models.end());
  block.active = now_ms < block.end_ms && now_ms - block.last_ms < kBlockMs;
}

std::string iso(int64_t ms) {
  return format_rfc3339(from_epoch_ms(ms));
}

}  // namespace

int64_t UsageBlock::total_tokens() const {
  return usage.total_tokens();
}

std::vector<UsageBlock> usage_blocks(const std::vector<UsageEntry>& entries, int64_t now_ms) {
  std::vector<UsageBlock> blocks;
  for (const UsageEntry& entry : entries) {
    if (blocks.empty() || entry.at_ms >= blocks.back().end_ms ||
        entry.at_ms - blocks.back().last_ms > kBlockMs) {
      if (!blocks.empty()) finish_block(blocks.back(), now_ms);
      blocks.push_back(start_block(entry));
    }
    UsageBlock& block = blocks.back();
    block.last_ms = std::max(block.last_ms, entry.at_ms);
    ++block.entries;
    block.usage += entry.usage;
    block.cost_usd += entry.cost_usd;
    block.models.push_back(entry.model);
  }
  if (!blocks.empty()) finish_block(blocks.back(), now_ms);
  return blocks;
}

BurnRate burn_rate(const UsageBlock& block) {
  int64_t span_ms = block.last_ms - block.first_ms;
  if (span_ms < kMinuteMs) return {};
  double minutes = static_cast<double>(span_ms) / static_cast<double>(kMinuteMs);
  return {static_cast<double>(block.total_tokens()) / minutes, block.cost_usd / minutes * 60};
}

Projection projection(const UsageBlock& block, int64_t now_ms) {
  Projection out{block.total_tokens(), block.cost_usd, 0};
  if (!block.active) return out;
  out.remaining_ms = std::max<int64_t>(0, block.end_ms - now_ms);
  BurnRate rate = burn_rate(block);
  double minutes = static_cast<double>(out.remaining_ms) / static_cast<double>(kMinuteMs);
  out.total_tokens = saturating_add(
      out.total_tokens, static_cast<int64_t>(std::llround(rate.tokens_per_minute * minutes)));
  out.cost_usd += rate.usd_per_hour * minutes / 60;
  return out;
}

int64_t largest_block_tokens(const std::vector<UsageBlock>& blocks) {
  int64_t largest = 0;
  for (const UsageBlock& block : blocks) {
    if (!block.active) largest = std::max(largest, block.total_tokens());
  }
  return largest;
}

std::optional<UsageBlock> active_block(const std::vector<UsageBlock>& blocks) {
  for (const UsageBlock& block : blocks) {
    if (block.active) return block;
  }
  return std::nullopt;
}

nlohmann::json block_json(const UsageBlock& block, const std::vector<std::string>& model_names,
                          int64_t now_ms, std::optional<int64_t> token_limit) {
  nlohmann::json models = nlohmann::json::array();
  for (uint32_t model : block.models) {
    models.push_back(model < model_names.size() ? model_names[model] : std::string("unknown"));
  }
  nlohmann::json out = {
      {"id", iso(block.start_ms)},
      {"startTime", iso(block.start_ms)},
      {"endTime", iso(block.end_ms)},
      {"actualEndTime", iso(block.last_ms)},
      {"isActive", block.active},
      {"isGap", false},
      {"entries", block.entries},
      {"tokenCounts",
       {{"inputTokens", block.usage.input_tokens},
        {"outputTokens", block.usage.output_tokens},
        {"cacheCreationInputTokens", block.usage.cache_creation_input_tokens},
        {"cacheReadInputTokens", block.usage.cache_read_input_tokens}}},
      {"totalTokens", block.total_tokens()},
      {"costUSD", block.cost_usd},
      {"models", models},
      {"burnRate", nullptr},
      {"projection", nullptr},
      {"tokenLimitStatus", nullptr},
  };
  if (!block.active) return out;
  BurnRate rate = burn_rate(block);
  out["burnRate"] = {{"tokensPerMinute", rate.tokens_per_minute},
                     {"costPerHour", rate.usd_per_hour}};
  Projection projected = projection(block, now_ms);
  // Rounded as ccusage rounds them: whole tokens, cents, whole minutes.
  out["projection"] = {
      {"totalTokens", projected.total_tokens},
      {"totalCost", std::round(projected.cost_usd * 100) / 100},
      {"remainingMinutes",
       std::llround(static_cast<double>(projected.remaining_ms) / static_cast<double>(kMinuteMs))}};
  if (token_limit && *token_limit > 0) {
    double percent =
        static_cast<double>(projected.total_tokens) / static_cast<double>(*token_limit) * 100;
    const char* status = percent > 100 ? "exceeds" : percent > 80 ? "warning" : "ok";
    out["tokenLimitStatus"] = {{"limit", *token_limit},
                               {"projectedUsage", projected.total_tokens},
                               {"percentUsed", percent},
                               {"status", status}};
  }
  return out;
}

}  // namespace ralph::meter
