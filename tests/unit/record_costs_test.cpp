#include "meter/record_costs.hpp"

#include <gtest/gtest.h>

namespace ralph::meter {
namespace {

std::string message_start(const std::string& id, int input, int cache_read) {
  return R"({"type":"stream_event","parent_tool_use_id":null,"event":{"type":"message_start",)"
         R"("message":{"id":")" +
         id + R"(","model":"claude-haiku-5-5","usage":{"input_tokens":)" + std::to_string(input) +
         R"(,"cache_read_input_tokens":)" + std::to_string(cache_read) +
         R"(,"output_tokens":1}}}})";
}

class RecordCostsTest : public ::testing::Test {
 protected:
  PricingTable pricing = PricingTable::builtin();
  StreamMeter meter{pricing};
  IterationRecord record;
};

TEST_F(RecordCostsTest, WithoutAResultEachModelIsPricedTurnByTurn) {
  meter.feed(R"({"type":"system","subtype":"init","model":"claude-haiku-5-5","session_id":"s"})");
  meter.feed(message_start("m1", 50'000, 0));       // below claude-haiku-5-5's tier
  meter.feed(message_start("m2", 50'000, 50'001));  // past it
  fill_costs(record, meter);
  EXPECT_EQ(record.cost_source, "estimated");
  double below = (50'000 * 0.1 + 1 * 0.5) / 1e6;
  double past = (50'000 * 0.5 + 1 * 2.5 + 50'001 * 0.05) / 1e6;
  EXPECT_NEAR(record.cost_usd, below + past, 1e-12);
  EXPECT_EQ(record.metered_cost_usd, record.cost_usd);
  ASSERT_EQ(record.models.size(), 1u);
  // Not the summed tokens priced again (all of them past the tier).
  EXPECT_NEAR(record.models["claude-haiku-5-5"].cost_usd, below + past, 1e-12);
  EXPECT_EQ(record.models["claude-haiku-5-5"].usage, (Usage{100'000, 2, 0, 50'001}));
  EXPECT_EQ(record.num_turns, 2);
}

TEST_F(RecordCostsTest, TheAgentsResultIsTheCostAndTheMeterStaysBesideIt) {
  meter.feed(message_start("m1", 50'000, 0));
  meter.feed(
      R"({"type":"result","subtype":"success","total_cost_usd":0.25,"num_turns":1,)"
      R"("modelUsage":{"claude-haiku-5-5":{"inputTokens":50000,"outputTokens":1,"costUSD":0.25}}})");
  fill_costs(record, meter);
  EXPECT_EQ(record.cost_source, "agent");
  EXPECT_EQ(record.cost_usd, 0.25);
  EXPECT_NEAR(*record.metered_cost_usd, (50'000 * 0.1 + 0.5) / 1e6, 1e-12);
  EXPECT_EQ(record.models["claude-haiku-5-5"].cost_usd, 0.25);
}

}  // namespace
}  // namespace ralph::meter
