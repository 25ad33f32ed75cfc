// The 5-hour windows of a Claude subscription.
#include "meter/usage_blocks.hpp"

#include <gtest/gtest.h>

#include <date/date.h>

namespace ralph::meter {
namespace {

constexpr int64_t kMinute = int64_t{60} * 1000;
constexpr int64_t kHour = 60 * kMinute;

// Milliseconds since the epoch of a UTC day, hour and minute of December 2026.
int64_t at(unsigned day, int hour, int minute = 0) {
  auto t = date::sys_days{date::year{2026} / 12 / day} + std::chrono::hours(hour) +
           std::chrono::minutes(minute);
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

UsageEntry entry(int64_t at_ms, int64_t input, int64_t output, double cost, uint32_t model = 0) {
  UsageEntry e;
  e.at_ms = at_ms;
  e.usage.input_tokens = input;
  e.usage.output_tokens = output;
  e.cost_usd = cost;
  e.model = model;
  return e;
}

TEST(UsageBlocksTest, StartsAtTheFlooredHourAndSumsItsResponses) {
  std::vector<UsageEntry> entries = {entry(at(2, 10, 17), 100, 10, 0.5, 1),
                                     entry(at(2, 11, 5), 200, 20, 0.25, 0),
                                     entry(at(2, 14, 59), 300, 30, 0.25, 1)};
  entries[1].usage.cache_creation_input_tokens = 1000;
  entries[1].usage.cache_read_input_tokens = 5000;
  auto blocks = usage_blocks(entries, at(3, 0));
  ASSERT_EQ(blocks.size(), 1u);
  const UsageBlock& b = blocks[0];
  EXPECT_EQ(b.start_ms, at(2, 10));
  EXPECT_EQ(b.end_ms, at(2, 15));
  EXPECT_EQ(b.first_ms, at(2, 10, 17));
  EXPECT_EQ(b.last_ms, at(2, 14, 59));
  EXPECT_EQ(b.entries, 3);
  EXPECT_EQ(b.usage.input_tokens, 600);
  EXPECT_EQ(b.usage.output_tokens, 60);
  EXPECT_EQ(b.total_tokens(), 600 + 60 + 1000 + 5000);
  EXPECT_DOUBLE_EQ(b.cost_usd, 1.0);
  EXPECT_EQ(b.models, (std::vector<uint32_t>{0, 1}));
  EXPECT_FALSE(b.active);
}

TEST(UsageBlocksTest, ANewBlockAtTheBlocksEndEvenWithoutAGap) {
  // Responses every hour: no gap, but the one at 15:00 is at the end of the 10:00 block.
  std::vector<UsageEntry> entries;
  for (int h = 10; h <= 16; ++h) entries.push_back(entry(at(2, h), 1, 1, 0));
  auto blocks = usage_blocks(entries, at(3, 0));
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].entries, 5);  // 10:00 to 14:00
  EXPECT_EQ(blocks[0].last_ms, at(2, 14));
  EXPECT_EQ(blocks[1].start_ms, at(2, 15));
  EXPECT_EQ(blocks[1].end_ms, at(2, 20));
  EXPECT_EQ(blocks[1].entries, 2);

  // One millisecond before the end stays in the block.
  auto inside = usage_blocks({entry(at(2, 10), 1, 1, 0), entry(at(2, 15) - 1, 1, 1, 0)}, 0);
  EXPECT_EQ(inside.size(), 1u);
}

TEST(UsageBlocksTest, ANewBlockAfterAGapOfMoreThanFiveHoursAndNoGapBlocks) {
  auto blocks = usage_blocks(
      {entry(at(2, 10, 30), 1, 1, 0), entry(at(2, 20, 45), 1, 1, 0), entry(at(3, 8), 1, 1, 0)},
      at(4, 0));
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].start_ms, at(2, 10));
  EXPECT_EQ(blocks[1].start_ms, at(2, 20));
  EXPECT_EQ(blocks[1].end_ms, at(3, 1));
  EXPECT_EQ(blocks[2].start_ms, at(3, 8));
}

TEST(UsageBlocksTest, AGapOfExactlyFiveHours) {
  // From 10:00 exactly five hours is the block's end: a new block.
  auto on_the_hour = usage_blocks({entry(at(2, 10), 1, 1, 0), entry(at(2, 15), 1, 1, 0)}, 0);
  EXPECT_EQ(on_the_hour.size(), 2u);
  // A 5-hour gap from 10:30 lands at 15:30, past the 10:00 block's end: a new block at 15:00.
  auto half_past = usage_blocks({entry(at(2, 10, 30), 1, 1, 0), entry(at(2, 15, 30), 1, 1, 0)}, 0);
  ASSERT_EQ(half_past.size(), 2u);
  EXPECT_EQ(half_past[1].start_ms, at(2, 15));
}

TEST(UsageBlocksTest, TheActiveBlock) {
  std::vector<UsageEntry> entries = {entry(at(2, 10, 10), 1, 1, 0), entry(at(2, 11), 1, 1, 0)};
  auto inside = usage_blocks(entries, at(2, 14, 59));
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_TRUE(inside[0].active);
  ASSERT_TRUE(active_block(inside));
  EXPECT_EQ(active_block(inside)->start_ms, at(2, 10));

  auto at_the_end = usage_blocks(entries, at(2, 15));
  EXPECT_FALSE(at_the_end[0].active);
  EXPECT_FALSE(active_block(at_the_end));

  auto empty = usage_blocks({}, at(2, 12));
  EXPECT_TRUE(empty.empty());
}

TEST(UsageBlocksTest, BurnRateOverTheFirstToTheLastResponse) {
  UsageBlock block;
  block.first_ms = at(2, 10, 0);
  block.last_ms = at(2, 10, 30);
  block.usage.input_tokens = 25000;
  block.usage.output_tokens = 5000;
  block.cost_usd = 1.5;
  BurnRate rate = burn_rate(block);
  EXPECT_DOUBLE_EQ(rate.tokens_per_minute, 1000);
  EXPECT_DOUBLE_EQ(rate.usd_per_hour, 3.0);

  block.last_ms = block.first_ms + kMinute - 1;
  EXPECT_EQ(burn_rate(block).tokens_per_minute, 0);
  EXPECT_EQ(burn_rate(block).usd_per_hour, 0);
}

TEST(UsageBlocksTest, ProjectionAddsTheBurnRateOverTheTimeLeft) {
  auto blocks = usage_blocks(
      {entry(at(2, 10, 0), 10000, 0, 0.5), entry(at(2, 10, 30), 20000, 0, 1.0)}, at(2, 11));
  ASSERT_EQ(blocks.size(), 1u);
  ASSERT_TRUE(blocks[0].active);
  // 30,000 tokens and $1.50 over 30 minutes: 1,000 a minute, $3 an hour; 4 hours left.
  Projection p = projection(blocks[0], at(2, 11));
  EXPECT_EQ(p.remaining_ms, 4 * kHour);
  EXPECT_EQ(p.total_tokens, 30000 + 240 * 1000);
  EXPECT_DOUBLE_EQ(p.cost_usd, 1.5 + 12.0);

  // A finished block stays at its totals.
  auto later =
      usage_blocks({entry(at(2, 10), 10000, 0, 0.5), entry(at(2, 10, 30), 0, 0, 0)}, at(2, 16));
  Projection done = projection(later[0], at(2, 16));
  EXPECT_EQ(done.total_tokens, 10000);
  EXPECT_EQ(done.remaining_ms, 0);
}

TEST(UsageBlocksTest, LargestBlockTokensIgnoresTheActiveBlock) {
  auto blocks = usage_blocks(
      {entry(at(1, 10), 5000, 0, 0), entry(at(2, 10), 7000, 0, 0), entry(at(3, 10), 90000, 0, 0)},
      at(3, 11));
  ASSERT_EQ(blocks.size(), 3u);
  ASSERT_TRUE(blocks[2].active);
  EXPECT_EQ(largest_block_tokens(blocks), 7000);
  EXPECT_EQ(largest_block_tokens({blocks[2]}), 0);
  EXPECT_EQ(largest_block_tokens({}), 0);
}

TEST(UsageBlocksTest, BlockJsonUsesCcusagesFields) {
  std::vector<std::string> names = {"claude-sonnet-4-5", "claude-opus-4-1"};
  auto blocks = usage_blocks(
      {entry(at(2, 10, 0), 10000, 0, 0.5, 1), entry(at(2, 10, 30), 20000, 0, 1.0, 0)}, at(2, 11));
  nlohmann::json j = block_json(blocks[0], names, at(2, 11), 300000);
  EXPECT_EQ(j["id"], "2026-12-02T10:00:00.000Z");
  EXPECT_EQ(j["startTime"], "2026-12-02T10:00:00.000Z");
  EXPECT_EQ(j["endTime"], "2026-12-02T15:00:00.000Z");
  EXPECT_EQ(j["actualEndTime"], "2026-12-02T10:30:00.000Z");
  EXPECT_EQ(j["isActive"], true);
  EXPECT_EQ(j["isGap"], false);
  EXPECT_EQ(j["entries"], 2);
  EXPECT_EQ(j["tokenCounts"]["inputTokens"], 30000);
  EXPECT_EQ(j["tokenCounts"]["cacheReadInputTokens"], 0);
  EXPECT_EQ(j["totalTokens"], 30000);
  EXPECT_DOUBLE_EQ(j["costUSD"].get<double>(), 1.5);
  EXPECT_EQ(j["models"], (nlohmann::json{"claude-sonnet-4-5", "claude-opus-4-1"}));
  EXPECT_DOUBLE_EQ(j["burnRate"]["tokensPerMinute"].get<double>(), 1000);
  EXPECT_DOUBLE_EQ(j["burnRate"]["costPerHour"].get<double>(), 3);
  EXPECT_EQ(j["projection"]["totalTokens"], 270000);
  EXPECT_DOUBLE_EQ(j["projection"]["totalCost"].get<double>(), 13.5);
  EXPECT_EQ(j["projection"]["remainingMinutes"], 240);
  EXPECT_EQ(j["tokenLimitStatus"]["limit"], 300000);
  EXPECT_EQ(j["tokenLimitStatus"]["projectedUsage"], 270000);
  EXPECT_DOUBLE_EQ(j["tokenLimitStatus"]["percentUsed"].get<double>(), 90);
  EXPECT_EQ(j["tokenLimitStatus"]["status"], "warning");
  EXPECT_EQ(block_json(blocks[0], names, at(2, 11), 200000)["tokenLimitStatus"]["status"],
            "exceeds");
  EXPECT_EQ(block_json(blocks[0], names, at(2, 11), 1000000)["tokenLimitStatus"]["status"], "ok");
  EXPECT_TRUE(block_json(blocks[0], names, at(2, 11), std::nullopt)["tokenLimitStatus"].is_null());

  auto done = usage_blocks({entry(at(2, 10), 1, 1, 0)}, at(3, 0));
  nlohmann::json old = block_json(done[0], names, at(3, 0), 300000);
  EXPECT_EQ(old["isActive"], false);
  EXPECT_TRUE(old["burnRate"].is_null());
  EXPECT_TRUE(old["projection"].is_null());
  EXPECT_TRUE(old["tokenLimitStatus"].is_null());
}

}  // namespace
}  // namespace ralph::meter
