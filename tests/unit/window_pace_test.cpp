// Pacing a loop to the 5-hour window: whether the next iteration waits.
#include "budget/window_pace.hpp"

#include <gtest/gtest.h>

#include <date/date.h>

namespace ralph::budget {
namespace {

using meter::UsageBlock;

// Milliseconds since the epoch of a UTC day, hour and minute of December 2026.
int64_t at(unsigned day, int hour, int minute = 0) {
  auto t = date::sys_days{date::year{2026} / 12 / day} + std::chrono::hours(hour) +
           std::chrono::minutes(minute);
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string stamp(int64_t ms) {
  return std::to_string(ms);
}

UsageBlock active_with(int64_t tokens) {
  UsageBlock block;
  block.start_ms = at(2, 10);
  block.end_ms = at(2, 15);
  block.first_ms = at(2, 10, 5);
  block.last_ms = at(2, 12);
  block.active = true;
  block.usage.input_tokens = tokens;
  return block;
}

TEST(WindowPaceTest, WaitsUntilTheBlocksEndWhenTheNextIterationWouldPassTheLimit) {
  PaceDecision d = pace(active_with(812340), 250000, 1000000, at(2, 13), stamp);
  EXPECT_TRUE(d.wait);
  EXPECT_EQ(d.until_ms, at(2, 15));
  EXPECT_EQ(d.block_tokens, 812340);
  EXPECT_EQ(d.projected_tokens, 1062340);
  EXPECT_EQ(d.limit, 1000000);
  EXPECT_EQ(d.reason,
            "the 5-hour block has 812,340 of 1,000,000 tokens; the next iteration (~250,000) "
            "would pass the limit; it resets at " +
                stamp(at(2, 15)));

  // Already past the limit with no estimate of the next iteration: wait too.
  PaceDecision past = pace(active_with(1000001), 0, 1000000, at(2, 13), stamp);
  EXPECT_TRUE(past.wait);
  EXPECT_EQ(past.until_ms, at(2, 15));
}

TEST(WindowPaceTest, DoesNotWaitUnderTheLimit) {
  PaceDecision d = pace(active_with(700000), 250000, 1000000, at(2, 13), stamp);
  EXPECT_FALSE(d.wait);
  EXPECT_EQ(d.projected_tokens, 950000);
  EXPECT_TRUE(d.reason.empty());
  // Exactly at the limit is not past it.
  EXPECT_FALSE(pace(active_with(750000), 250000, 1000000, at(2, 13), stamp).wait);
}

TEST(WindowPaceTest, WithoutAnActiveBlock) {
  PaceDecision d = pace(std::nullopt, 250000, 1000000, at(2, 13), stamp);
  EXPECT_FALSE(d.wait);
  EXPECT_EQ(d.block_tokens, 0);
  UsageBlock finished = active_with(2000000);
  finished.active = false;
  EXPECT_FALSE(pace(finished, 250000, 1000000, at(2, 16), stamp).wait);
}

TEST(WindowPaceTest, DoesNotWaitWhenTheNextIterationAloneIsOverTheLimit) {
  PaceDecision d = pace(active_with(100000), 1200000, 1000000, at(2, 13), stamp);
  EXPECT_FALSE(d.wait);
  EXPECT_EQ(d.until_ms, 0);
  EXPECT_NE(d.reason.find("cannot help"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("1,200,000"), std::string::npos) << d.reason;
}

TEST(WindowPaceTest, WithoutALimit) {
  EXPECT_FALSE(pace(active_with(5000000), 250000, 0, at(2, 13), stamp).wait);
  EXPECT_FALSE(pace(active_with(5000000), 250000, -1, at(2, 13), stamp).wait);
}

}  // namespace
}  // namespace ralph::budget
