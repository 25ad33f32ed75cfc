// The loop paced to the 5-hour window (README "Pacing to the 5-hour window"): with a
// block_limit it waits for the block to reset before an iteration that would pass the limit.
#include "runner_fixture.hpp"

namespace ralph::loop {
namespace {

int64_t ms_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class RunnerPaceTest : public RunnerTest {
 protected:
  // A block that ends 10 minutes after the run starts, holding every recorded iteration's
  // tokens until then; none after.
  void block_from_the_log() {
    block_end_ms = ms_of(clock.wall_now()) + 10 * 60 * 1000;
    window = [this](int64_t now_ms) {
      ++looks;
      budget::WindowView view;
      view.largest_earlier = largest_earlier;
      if (now_ms >= block_end_ms) return view;
      meter::UsageBlock block;
      block.active = true;
      block.start_ms = block_end_ms - meter::kBlockMs;
      block.end_ms = block_end_ms;
      for (const auto& record : records()) block.usage += record.usage;
      view.active = block;
      return view;
    };
  }
  int64_t block_end_ms = 0;
  int64_t largest_earlier = 0;
  int looks = 0;
};

TEST_F(RunnerPaceTest, WaitsForTheBlockToResetBeforeAnIterationThatWouldPassTheLimit) {
  write_plan({false, false, false});
  agent.scripts = {completing(0.1), completing(0.1), completing(0.1)};
  // Each iteration is 1,100 tokens: after the first, the block's 1,100 and the next
  // iteration's would pass 2,000.
  options.block_limit = budget::BlockLimit{2000, false};
  block_from_the_log();
  capture_display();
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete) << halt.detail;
  auto logged = records();
  ASSERT_EQ(logged.size(), 3u);
  ASSERT_FALSE(waits.empty());
  for (const auto& [duration, why] : waits) {
    EXPECT_LE(duration, std::chrono::seconds(60));  // a minute at a time
    EXPECT_NE(why.find("the 5-hour block has 1,100 of 2,000 tokens"), std::string::npos) << why;
  }
  // The second iteration started once the block had reset, not before.
  auto second = parse_rfc3339_utc(logged[1].started_at);
  ASSERT_TRUE(second);
  EXPECT_GE(ms_of(*second), block_end_ms - 1000);
  auto first_end = parse_rfc3339_utc(logged[0].ended_at);
  ASSERT_TRUE(first_end);
  EXPECT_LT(ms_of(*first_end), block_end_ms - 5 * 60 * 1000);
  // state.json shows the block.
  auto state = read_state(options.state_path());
  ASSERT_TRUE(state && state->window);
  EXPECT_EQ(state->window->limit, 2000);
}

TEST_F(RunnerPaceTest, UnderTheLimitTheLoopDoesNotWait) {
  agent.scripts = {completing(0.1), completing(0.1)};
  options.block_limit = budget::BlockLimit{1'000'000, false};
  block_from_the_log();
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete) << halt.detail;
  EXPECT_TRUE(waits.empty());
  EXPECT_GE(looks, 2);  // asked before each iteration
}

TEST_F(RunnerPaceTest, MaxIsTheLargestEarlierBlock) {
  agent.scripts = {completing(0.1), completing(0.1)};
  options.block_limit = budget::BlockLimit{0, true};
  largest_earlier = 1500;  // 1,100 + 1,100 would pass it
  block_from_the_log();
  capture_display();
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_FALSE(waits.empty());
  EXPECT_NE(waits.front().second.find("of 1,500 tokens"), std::string::npos)
      << waits.front().second;
}

TEST_F(RunnerPaceTest, WithoutABlockLimitTheBlocksAreNotRead) {
  agent.scripts = {completing(0.1), completing(0.1)};
  block_from_the_log();
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(looks, 0);
  EXPECT_TRUE(waits.empty());
}

TEST_F(RunnerPaceTest, ANextIterationLargerThanTheLimitIsSaidOnceAndNotWaitedFor) {
  write_plan({false, false, false});
  agent.scripts = {completing(0.1), completing(0.1), completing(0.1)};
  options.block_limit = budget::BlockLimit{1000, false};
  block_from_the_log();
  capture_display();
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_TRUE(waits.empty());
  std::string shown_text = shown();
  size_t first = shown_text.find("alone would pass the 5-hour limit");
  ASSERT_NE(first, std::string::npos) << shown_text;
  EXPECT_EQ(shown_text.find("alone would pass the 5-hour limit", first + 1), std::string::npos);
}

}  // namespace
}  // namespace ralph::loop
