#include "meter/stream_meter.hpp"

#include <gtest/gtest.h>

namespace ralph::meter {
namespace {

std::string message_start(const std::string& id, const std::string& model, int input,
                          int cache_write = 0, int cache_read = 0,
                          const std::string& parent = "null") {
  return R"({"type":"stream_event","parent_tool_use_id":)" + parent +
         R"(,"event":{"type":"message_start","message":{"id":")" + id + R"(","model":")" + model +
         R"(","usage":{"input_tokens":)" + std::to_string(input) +
         R"(,"cache_creation_input_tokens":)" + std::to_string(cache_write) +
         R"(,"cache_read_input_tokens":)" + std::to_string(cache_read) +
         R"(,"output_tokens":1}}}})";
}

std::string message_delta(int output, const std::string& parent = "null") {
  return R"({"type":"stream_event","parent_tool_use_id":)" + parent +
         R"(,"event":{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":)" +
         std::to_string(output) + "}}}";
}

std::string assistant(const std::string& id, const std::string& model, int input,
                      const std::string& text = "") {
  return R"({"type":"assistant","message":{"id":")" + id + R"(","model":")" + model +
         R"(","content":[{"type":"text","text":")" + text + R"("}],"usage":{"input_tokens":)" +
         std::to_string(input) + R"(,"output_tokens":1}}})";
}

class StreamMeterTest : public ::testing::Test {
 protected:
  PricingTable pricing = PricingTable::builtin();
  StreamMeter meter{pricing};
};

TEST_F(StreamMeterTest, MetersMessageStartAndFinalOutputTokens) {
  EXPECT_EQ(
      meter.feed(
          R"({"type":"system","subtype":"init","model":"claude-sonnet-5-5","session_id":"s1"})"),
      LineKind::kInit);
  meter.feed(message_start("m1", "claude-sonnet-5-5", 1000, 2000, 3000));
  EXPECT_EQ(meter.live_usage().output_tokens, 1);
  meter.feed(message_delta(250));
  Usage usage = meter.live_usage();
  EXPECT_EQ(usage, (Usage{1000, 250, 2000, 3000}));
  // 1000*2 + 250*10 + 2000*2.5 + 3000*0.1 per million
  EXPECT_NEAR(meter.live_cost(), (2000 + 2500 + 5000 + 300) / 1e6, 1e-12);
  EXPECT_EQ(meter.model(), "claude-sonnet-5-5");
  EXPECT_EQ(meter.session_id(), "s1");
  EXPECT_EQ(meter.turns(), 1);
  EXPECT_EQ(meter.peak_context_tokens(), 6000);
}

TEST_F(StreamMeterTest, ContextFillAgainstTheWindowAndCompactions) {
  // claude-sonnet-4-5 has a 200,000-token window in the table; claude-sonnet-5-5 1,000,000.
  meter.feed(message_start("m1", "claude-sonnet-4-5", 100'000, 20'000, 30'000));
  meter.feed(message_start("m2", "claude-sonnet-5-5", 300'000));
  auto fill = meter.peak_context();
  ASSERT_TRUE(fill);
  EXPECT_DOUBLE_EQ(fill->fraction, 0.75);  // 150,000 of 200,000 beats 300,000 of 1,000,000
  EXPECT_EQ(fill->tokens, 150'000);
  EXPECT_EQ(fill->window, 200'000);
  EXPECT_EQ(meter.compactions(), 0);
  meter.feed(
      R"({"type":"system","subtype":"compact_boundary","session_id":"s","compact_metadata":{"trigger":"auto","pre_tokens":150000}})");
  EXPECT_EQ(meter.compactions(), 1);
  // The agent's own window wins once it gave its result.
  meter.feed(
      R"({"type":"result","subtype":"success","total_cost_usd":1,"modelUsage":{"claude-sonnet-4-5":{"inputTokens":100000,"outputTokens":1,"contextWindow":1000000},"claude-sonnet-5-5":{"inputTokens":300000,"outputTokens":1,"contextWindow":1000000}}})");
  fill = meter.peak_context();
  ASSERT_TRUE(fill);
  EXPECT_DOUBLE_EQ(fill->fraction, 0.3);
  // A model nobody knows the window of has no fill.
  StreamMeter unknown{pricing};
  unknown.feed(message_start("x", "claude-mystery-9", 1000));
  EXPECT_FALSE(unknown.peak_context());
}

TEST_F(StreamMeterTest, DeduplicatesByMessageId) {
  meter.feed(message_start("m1", "claude-sonnet-5-5", 1000));
  meter.feed(message_delta(200));
  // The assistant snapshots of the same message (one per content block) add nothing, and
  // their output_tokens of 1 never lowers the final count.
  meter.feed(assistant("m1", "claude-sonnet-5-5", 1000));
  meter.feed(assistant("m1", "claude-sonnet-5-5", 1000));
  meter.feed(message_start("m2", "claude-sonnet-5-5", 1500));
  meter.feed(message_delta(100));
  EXPECT_EQ(meter.turns(), 2);
  EXPECT_EQ(meter.live_usage(), (Usage{2500, 300, 0, 0}));
}

TEST_F(StreamMeterTest, AssistantLinesAloneStillMeter) {
  meter.feed(assistant("m1", "claude-sonnet-5-5", 4000));
  EXPECT_EQ(meter.live_usage().input_tokens, 4000);
  EXPECT_NEAR(meter.live_cost(), 4000 * 2 / 1e6 + 10 / 1e6, 1e-12);
}

TEST_F(StreamMeterTest, KeepsSubagentStreamsApart) {
  meter.feed(message_start("m1", "claude-sonnet-5-5", 1000));
  meter.feed(message_start("s1", "claude-haiku-5-5", 500, 0, 0, "\"toolu_1\""));
  meter.feed(message_delta(40, "\"toolu_1\""));
  meter.feed(message_delta(300));
  auto by_model = meter.live_by_model();
  EXPECT_EQ(by_model["claude-sonnet-5-5"].usage.output_tokens, 300);
  EXPECT_EQ(by_model["claude-haiku-5-5"].usage.output_tokens, 40);
  EXPECT_NEAR(by_model["claude-sonnet-5-5"].cost_usd, (1000 * 2 + 300 * 10) / 1e6, 1e-12);
  EXPECT_NEAR(by_model["claude-haiku-5-5"].cost_usd, (500 * 0.1 + 40 * 0.5) / 1e6, 1e-12);
}

// A message_start whose usage splits its cache writes by lifetime, as the API does.
std::string message_start_1h(const std::string& id, const std::string& model, int input,
                             int cache_write_5m, int cache_write_1h) {
  return R"({"type":"stream_event","parent_tool_use_id":null,"event":{"type":"message_start",)"
         R"("message":{"id":")" +
         id + R"(","model":")" + model + R"(","usage":{"input_tokens":)" + std::to_string(input) +
         R"(,"cache_creation_input_tokens":)" + std::to_string(cache_write_5m + cache_write_1h) +
         R"(,"cache_read_input_tokens":0,"output_tokens":1,"cache_creation":)"
         R"({"ephemeral_5m_input_tokens":)" +
         std::to_string(cache_write_5m) + R"(,"ephemeral_1h_input_tokens":)" +
         std::to_string(cache_write_1h) + "}}}}}";
}

TEST_F(StreamMeterTest, PricesOneHourCacheWritesAsSuch) {
  meter.feed(message_start_1h("m1", "claude-sonnet-5-5", 1000, 600, 400));
  meter.feed(message_delta(10));
  // The 1-hour writes stay part of the cache writes the record counts.
  EXPECT_EQ(meter.live_usage(), (Usage{1000, 10, 1000, 0}));
  // 1000*2 + 10*10 + 600*2.50 + 400*4.00 per million
  EXPECT_NEAR(meter.live_cost(), (2000 + 100 + 1500 + 1600) / 1e6, 1e-12);
  // The assistant snapshot (no breakdown) lowers nothing.
  meter.feed(assistant("m1", "claude-sonnet-5-5", 1000));
  EXPECT_NEAR(meter.live_cost(), (2000 + 100 + 1500 + 1600) / 1e6, 1e-12);
  // A breakdown claiming more 1-hour writes than writes counts them all as 1-hour, no more.
  meter.feed(message_start_1h("m2", "claude-sonnet-5-5", 0, 0, 0));
  meter.feed(R"({"type":"assistant","message":{"id":"m2","model":"claude-sonnet-5-5","content":[],)"
             R"("usage":{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":100,)"
             R"("cache_creation":{"ephemeral_1h_input_tokens":5000}}}})");
  EXPECT_NEAR(meter.live_cost(), (2000 + 100 + 1500 + 1600 + 10 + 100 * 4) / 1e6, 1e-12);
}

TEST_F(StreamMeterTest, AppliesTheLongContextTierTurnByTurn) {
  // claude-haiku-5-5: $0.10/$0.50 per million input up to 100,000 prompt tokens, then all of
  // the turn at the tier's prices.
  meter.feed(message_start("m1", "claude-haiku-5-5", 60'000, 40'000));  // at the threshold
  meter.feed(message_delta(1'000));
  meter.feed(message_start("m2", "claude-haiku-5-5", 60'000, 0, 40'001));  // one past it
  meter.feed(message_delta(1'000));
  double below = (60'000 * 0.1 + 1'000 * 0.5 + 40'000 * 0.125) / 1e6;
  double past = (60'000 * 0.5 + 1'000 * 2.5 + 40'001 * 0.05) / 1e6;
  EXPECT_NEAR(meter.live_cost(), below + past, 1e-12);
  // Summed message by message, not priced again from the summed tokens (which are past it).
  auto by_model = meter.live_by_model();
  ASSERT_EQ(by_model.size(), 1u);
  EXPECT_EQ(by_model["claude-haiku-5-5"].usage, (Usage{120'000, 2'000, 40'000, 40'001}));
  EXPECT_NEAR(by_model["claude-haiku-5-5"].cost_usd, below + past, 1e-12);
}

TEST_F(StreamMeterTest, BadLinesAreCountedAndSkipped) {
  EXPECT_EQ(meter.feed("not json"), LineKind::kBad);
  EXPECT_EQ(meter.feed("[1,2]"), LineKind::kBad);
  EXPECT_EQ(meter.feed(R"({"type":"stream_event","event":"x"})"), LineKind::kStreamEvent);
  EXPECT_EQ(meter.feed(R"({"type":"assistant","message":{"id":5,"usage":"many"}})"),
            LineKind::kAssistant);
  EXPECT_EQ(meter.feed(R"({"type":"result","is_error":"yes","num_turns":"2"})"), LineKind::kResult);
  EXPECT_EQ(meter.bad_lines(), 2);
  EXPECT_EQ(meter.turns(), 0);
}

TEST_F(StreamMeterTest, HostileNumbersAndNestingAreHarmless) {
  meter.feed(R"({"type":"assistant","message":{"id":"a","usage":{"input_tokens":1e300}}})");
  meter.feed(
      R"({"type":"assistant","message":{"id":"b","usage":{"input_tokens":9223372036854775807,"cache_read_input_tokens":1}}})");
  EXPECT_GT(meter.live_usage().input_tokens, 0);  // saturated, not wrapped negative
  EXPECT_GE(meter.peak_context_tokens(), 0);
  std::string deep = R"({"type":"assistant","message":{"id":"m","usage":)" +
                     std::string(200'000, '[') + std::string(200'000, ']') + "}}";
  EXPECT_EQ(meter.feed(deep), LineKind::kBad);
  meter.feed(
      R"({"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1e300}})");
  ASSERT_TRUE(meter.usage_limit());
  EXPECT_GT(*meter.usage_limit()->resets_at, 0);
}

TEST_F(StreamMeterTest, ResultIsTheAuthority) {
  meter.feed(message_start("m1", "claude-sonnet-5", 1000));
  meter.feed(R"({"type":"result","subtype":"success","is_error":false,"num_turns":2,
    "result":"done <promise>COMPLETE</promise>","total_cost_usd":0.012,"session_id":"abc",
    "usage":{"input_tokens":2000,"output_tokens":400},
    "modelUsage":{"claude-sonnet-5":{"inputTokens":2000,"outputTokens":400,
      "cacheReadInputTokens":5,"cacheCreationInputTokens":6,"costUSD":0.01},
      "claude-haiku-5-5":{"inputTokens":10,"outputTokens":1,"costUSD":0.002}}})");
  ASSERT_TRUE(meter.result());
  EXPECT_DOUBLE_EQ(meter.result()->total_cost_usd, 0.012);
  EXPECT_EQ(meter.result()->num_turns, 2);
  // Tokens are summed over every model, like the cost.
  EXPECT_EQ(meter.result()->usage, (Usage{2010, 401, 6, 5}));
  EXPECT_TRUE(meter.claimed_complete());
  EXPECT_EQ(meter.session_id(), "abc");
}

TEST_F(StreamMeterTest, ErrorResultAndRetries) {
  EXPECT_EQ(
      meter.feed(
          R"({"type":"system","subtype":"api_retry","attempt":2,"max_retries":10,"error_status":401,"error":"authentication_failed"})"),
      LineKind::kRetry);
  ASSERT_TRUE(meter.last_retry());
  EXPECT_EQ(meter.last_retry()->error, "authentication_failed");
  EXPECT_EQ(meter.last_retry()->error_status, 401);
  meter.feed(
      R"({"type":"result","subtype":"success","is_error":true,"api_error_status":400,"terminal_reason":"prompt_too_long","total_cost_usd":0})");
  EXPECT_TRUE(meter.result()->is_error);
  EXPECT_EQ(meter.result()->api_error_status, 400);
  EXPECT_FALSE(meter.claimed_complete());
}

TEST_F(StreamMeterTest, CompletionClaimInAssistantText) {
  meter.feed(assistant("m1", "claude-sonnet-5-5", 10, "all done <promise>COMPLETE</promise>"));
  EXPECT_TRUE(meter.claimed_complete());
}

}  // namespace
}  // namespace ralph::meter
