#include "meter/pricing.hpp"

#include <gtest/gtest.h>

namespace ralph::meter {
namespace {

TEST(PricingTest, BuiltinTableMatchesWhatClaudeCodeCharges) {
  PricingTable table = PricingTable::builtin();
  // One million tokens of one kind at a time, as the probe measured.
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", {1'000'000, 0, 0, 0}), 2.0);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", {0, 1'000'000, 0, 0}), 10.0);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", {0, 0, 1'000'000, 0}), 2.5);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", {0, 0, 0, 1'000'000}), 0.1);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-opus-5-5", {0, 1'000'000, 0, 0}), 20.0);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-fable-5-2", {1'000'000, 0, 0, 0}), 8.0);
}

TEST(PricingTest, HaikuHasALongContextTier) {
  PricingTable table = PricingTable::builtin();
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", {100'000, 0, 0, 0}), 0.01);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", {1'000'000, 0, 0, 0}), 0.5);
}

TEST(PricingTest, DatedNamesFamiliesAndUnknownModels) {
  PricingTable table = PricingTable::builtin();
  EXPECT_DOUBLE_EQ(table.price_for("claude-haiku-4-5-20251001").input, 1.0);  // prefix
  EXPECT_DOUBLE_EQ(table.price_for("claude-sonnet-9").input, 2.0);            // family
  // Unknown: the dearest known model, so the budget is never underestimated.
  EXPECT_DOUBLE_EQ(table.price_for("gpt-7").output, 40.0);
}

TEST(PricingTest, FindHasNoLastResort) {
  PricingTable table = PricingTable::builtin();
  ASSERT_NE(table.find("claude-haiku-4-5-20251001"), nullptr);
  EXPECT_DOUBLE_EQ(table.find("claude-haiku-4-5-20251001")->input, 1.0);
  ASSERT_NE(table.find("claude-sonnet-9"), nullptr);
  EXPECT_EQ(table.find("gpt-7"), nullptr);
  EXPECT_EQ(table.find(""), nullptr);
}

TEST(PricingTest, OverridesReplaceAndAdd) {
  PricingTable table = PricingTable::builtin();
  ASSERT_TRUE(table.apply_overrides(nlohmann::json::parse(
      R"({"claude-sonnet-5-5": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1},
          "my-model": {"input": 3, "output": 4, "cache_write": 5, "cache_read": 6}})")));
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", {0, 1'000'000, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(table.turn_cost("my-model", {1, 1, 1, 1}), 18 / 1e6);
}

TEST(PricingTest, BadOverridesNameModelAndField) {
  PricingTable table = PricingTable::builtin();
  Status s = table.apply_overrides(nlohmann::json::parse(
      R"({"m": {"input": -1, "output": 1, "cache_write": 1, "cache_read": 1}})"));
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("\"m\""), std::string::npos);
  EXPECT_NE(s.message().find("\"input\""), std::string::npos);
  EXPECT_FALSE(table.apply_overrides(nlohmann::json::parse(R"({"m": {"input": 1}})")));
  EXPECT_FALSE(table.apply_overrides(nlohmann::json::parse(R"({"m": 5})")));
}

}  // namespace
}  // namespace ralph::meter
