#include "report/cost_split.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace ralph::report {
namespace {

meter::IterationRecord record(const std::string& model, meter::Usage usage, double cost) {
  meter::IterationRecord r;
  r.run_id = "r";
  r.iteration = 1;
  r.model = model;
  r.usage = usage;
  r.cost_usd = cost;
  return r;
}

TEST(CostSplitTest, ProportionsComeFromThePricingTable) {
  // claude-sonnet-5-5: $2 / $10 / $2.50 / $0.10 per million tokens.
  auto r = record("claude-sonnet-5-5", {1'000'000, 100'000, 400'000, 10'000'000}, 5.0);
  CostSplit split = split_cost(r, meter::PricingTable::builtin());
  // Priced: 2 + 1 + 1 + 1 = 5: exactly the record's cost, so no scaling.
  EXPECT_NEAR(split[CostKind::kInput], 2.0, 1e-12);
  EXPECT_NEAR(split[CostKind::kOutput], 1.0, 1e-12);
  EXPECT_NEAR(split[CostKind::kCacheWrite], 1.0, 1e-12);
  EXPECT_NEAR(split[CostKind::kCacheRead], 1.0, 1e-12);
  EXPECT_EQ(split[CostKind::kUnpriced], 0.0);
  EXPECT_DOUBLE_EQ(split.total(), 5.0);
}

TEST(CostSplitTest, PartsAreScaledToTheLoggedCost) {
  // Priced at $3 (input 2, output 1), but the agent said $0.3: the log wins.
  auto r = record("claude-sonnet-5-5", {1'000'000, 100'000, 0, 0}, 0.3);
  CostSplit split = split_cost(r, meter::PricingTable::builtin());
  EXPECT_NEAR(split[CostKind::kInput], 0.2, 1e-12);
  EXPECT_NEAR(split[CostKind::kOutput], 0.1, 1e-12);
  EXPECT_EQ(split[CostKind::kCacheWrite], 0.0);
  EXPECT_DOUBLE_EQ(split.total(), 0.3);
}

TEST(CostSplitTest, SumsToTheCostForAwkwardNumbers) {
  meter::PricingTable pricing = meter::PricingTable::builtin();
  for (double cost : {0.1, 0.0123456789, 1e-9, 123.456, 0.30000000000000004}) {
    for (meter::Usage usage : {meter::Usage{3, 7, 11, 13}, meter::Usage{123457, 1, 99999, 7777777},
                               meter::Usage{1, 0, 0, 0}}) {
      CostSplit split = split_cost(record("claude-opus-5-5", usage, cost), pricing);
      double sum = 0;
      for (double part : split.usd) sum += part;
      EXPECT_DOUBLE_EQ(sum, cost) << cost;
      for (double part : split.usd) EXPECT_GE(part, 0.0);
    }
  }
}

TEST(CostSplitTest, ZeroCostGivesZeroPartsAndNoNaN) {
  meter::PricingTable pricing = meter::PricingTable::builtin();
  for (meter::Usage usage : {meter::Usage{}, meter::Usage{100, 100, 100, 100}}) {
    CostSplit split = split_cost(record("claude-sonnet-5-5", usage, 0), pricing);
    for (double part : split.usd) EXPECT_EQ(part, 0.0);
  }
}

TEST(CostSplitTest, CostWithoutPricedTokensIsUnpriced) {
  // A cost but no tokens to split it by (a killed agent's estimate, a hand-edited log).
  CostSplit split =
      split_cost(record("claude-sonnet-5-5", {}, 0.25), meter::PricingTable::builtin());
  EXPECT_EQ(split[CostKind::kUnpriced], 0.25);
  EXPECT_EQ(split.total(), 0.25);
}

TEST(CostSplitTest, UnknownModelIsOneUnpricedPart) {
  CostSplit split =
      split_cost(record("gpt-7", {1000, 1000, 0, 0}, 0.5), meter::PricingTable::builtin());
  EXPECT_EQ(split[CostKind::kUnpriced], 0.5);
  EXPECT_EQ(split[CostKind::kInput], 0.0);
  EXPECT_EQ(split[CostKind::kOutput], 0.0);
}

TEST(CostSplitTest, PerModelBreakdownMixesPricedAndUnpriced) {
  auto r = record("claude-sonnet-5-5", {1'000'000, 100'000, 0, 0}, 4.0);
  // Sonnet: 1M input ($2); an unknown helper model: 100k output, which cost $1 by the log.
  r.models["claude-sonnet-5-5"] = {{1'000'000, 0, 0, 0}, 3.0};
  r.models["mystery-model"] = {{0, 100'000, 0, 0}, 1.0};
  CostSplit split = split_cost(r, meter::PricingTable::builtin());
  // Raw: input $2 (priced), unpriced $1; scaled by 4/3.
  EXPECT_NEAR(split[CostKind::kInput], 8.0 / 3, 1e-12);
  EXPECT_NEAR(split[CostKind::kUnpriced], 4.0 / 3, 1e-12);
  EXPECT_EQ(split[CostKind::kOutput], 0.0);
  EXPECT_DOUBLE_EQ(split.total(), 4.0);
}

TEST(CostSplitTest, UsageBeyondTheBreakdownGoesToTheMainModel) {
  auto r = record("claude-sonnet-5-5", {1'000'000, 100'000, 0, 0}, 3.0);
  r.models["claude-sonnet-5-5"] = {{1'000'000, 0, 0, 0}, 2.0};  // the output is not covered
  CostSplit split = split_cost(r, meter::PricingTable::builtin());
  EXPECT_NEAR(split[CostKind::kInput], 2.0, 1e-12);
  EXPECT_NEAR(split[CostKind::kOutput], 1.0, 1e-12);
}

TEST(CostSplitTest, OverriddenPricesChangeTheProportions) {
  meter::PricingTable pricing = meter::PricingTable::builtin();
  ASSERT_TRUE(pricing.apply_overrides(nlohmann::json::parse(
      R"({"my-model": {"input": 1, "output": 3, "cache_write": 0, "cache_read": 0}})")));
  CostSplit split = split_cost(record("my-model", {1000, 1000, 0, 0}, 1.0), pricing);
  EXPECT_NEAR(split[CostKind::kInput], 0.25, 1e-12);
  EXPECT_NEAR(split[CostKind::kOutput], 0.75, 1e-12);
}

TEST(CostSplitTest, KindNames) {
  EXPECT_EQ(cost_kind_key(CostKind::kCacheWrite), "cache_write");
  EXPECT_EQ(cost_kind_label(CostKind::kCacheRead), "cache read");
  EXPECT_EQ(cost_kind_key(CostKind::kUnpriced), "unpriced");
}

}  // namespace
}  // namespace ralph::report
