#include "meter/price_drift.hpp"

#include <gtest/gtest.h>

namespace ralph::meter {
namespace {

TEST(PriceDriftTest, CostsDriftPastFivePercentAndACent) {
  EXPECT_FALSE(costs_drift(1.00, 1.00));
  EXPECT_FALSE(costs_drift(1.00, 1.04));    // 4%
  EXPECT_TRUE(costs_drift(1.00, 1.06));     // 6%, $0.06
  EXPECT_TRUE(costs_drift(1.00, 0.94));     // either way
  EXPECT_FALSE(costs_drift(0.10, 0.109));   // 9%, but under a cent
  EXPECT_TRUE(costs_drift(0.10, 0.115));    // 15%, $0.015
  EXPECT_FALSE(costs_drift(10.00, 10.40));  // $0.40, but 4%
  EXPECT_TRUE(costs_drift(0.0, 0.02));
  EXPECT_FALSE(costs_drift(0.0, 0.005));
}

class PriceDriftModelsTest : public ::testing::Test {
 protected:
  PricingTable pricing = PricingTable::builtin();
  AgentResult agent;
  std::map<std::string, ModelUsage> metered;
};

TEST_F(PriceDriftModelsTest, AgreeingFiguresDoNotDrift) {
  agent.models["claude-sonnet-5-5"] = {{1000, 100, 0, 0}, 0.003};
  metered["claude-sonnet-5-5"] = {{1000, 100, 0, 0}, 0.003};
  auto drifts = price_drift(agent, metered, pricing);
  ASSERT_EQ(drifts.size(), 1u);
  EXPECT_EQ(drifts[0].model, "claude-sonnet-5-5");
  EXPECT_FALSE(drifts[0].drifts);
  EXPECT_TRUE(drifts[0].tokens_agree);
  EXPECT_FALSE(drifts[0].stale_price());
  EXPECT_FALSE(drifts[0].unseen_tokens());
}

TEST_F(PriceDriftModelsTest, TheSameTokensAtAnotherCostMeanAStalePrice) {
  agent.models["claude-opus-5-5"] = {{100'000, 1'000, 0, 0}, 0.62};
  metered["claude-opus-5-5"] = {{100'000, 1'000, 0, 0}, 0.42};
  auto drifts = price_drift(agent, metered, pricing);
  ASSERT_EQ(drifts.size(), 1u);
  EXPECT_TRUE(drifts[0].stale_price());
  EXPECT_FALSE(drifts[0].unseen_tokens());
  EXPECT_EQ(drifts[0].agent_usd, 0.62);
  EXPECT_EQ(drifts[0].metered_usd, 0.42);
}

TEST_F(PriceDriftModelsTest, OtherTokensMeanTheMeterDidNotSeeEverything) {
  agent.models["claude-opus-5-5"] = {{200'000, 1'000, 0, 0}, 0.82};
  metered["claude-opus-5-5"] = {{100'000, 1'000, 0, 0}, 0.42};
  // A model only the agent reported (a request the stream never showed).
  agent.models["claude-haiku-5-5"] = {{500'000, 0, 0, 0}, 0.25};
  auto drifts = price_drift(agent, metered, pricing);
  ASSERT_EQ(drifts.size(), 2u);
  for (const ModelDrift& drift : drifts) {
    SCOPED_TRACE(drift.model);
    EXPECT_TRUE(drift.unseen_tokens());
    EXPECT_FALSE(drift.stale_price());
  }
  EXPECT_EQ(drifts[0].model, "claude-haiku-5-5");
  EXPECT_EQ(drifts[0].metered_usd, 0.0);
}

TEST_F(PriceDriftModelsTest, SmallDifferencesInTokensDoNotDriftTheCost) {
  agent.models["claude-sonnet-5-5"] = {{1000, 100, 0, 0}, 0.0030};
  metered["claude-sonnet-5-5"] = {{1000, 90, 0, 0}, 0.0029};
  auto drifts = price_drift(agent, metered, pricing);
  ASSERT_EQ(drifts.size(), 1u);
  EXPECT_FALSE(drifts[0].tokens_agree);
  EXPECT_FALSE(drifts[0].drifts);
  EXPECT_FALSE(drifts[0].unseen_tokens());
}

TEST_F(PriceDriftModelsTest, NamesAreMatchedByTheModelTheyArePricedAs) {
  // The agent's [1m] name, the stream's API name; the agent's upper case and the stream's date.
  agent.models["claude-sonnet-4-5[1m]"] = {{1000, 0, 0, 0}, 0.003};
  metered["claude-sonnet-4-5"] = {{1000, 0, 0, 0}, 0.003};
  agent.models["CLAUDE-OPUS-4-8"] = {{1000, 0, 0, 0}, 0.005};
  metered["claude-opus-4-8-20990101"] = {{1000, 0, 0, 0}, 0.005};
  // Unknown names match only themselves.
  agent.models["claude-mystery-9"] = {{1000, 0, 0, 0}, 0.004};
  metered["claude-mystery-9"] = {{1000, 0, 0, 0}, 0.075};
  auto drifts = price_drift(agent, metered, pricing);
  ASSERT_EQ(drifts.size(), 3u);
  EXPECT_EQ(drifts[0].model, "CLAUDE-OPUS-4-8");
  EXPECT_EQ(drifts[1].model, "claude-mystery-9");
  EXPECT_EQ(drifts[2].model, "claude-sonnet-4-5[1m]");
  EXPECT_FALSE(drifts[0].drifts);
  EXPECT_TRUE(drifts[1].stale_price());
  EXPECT_FALSE(drifts[2].drifts);
  EXPECT_TRUE(drifts[2].tokens_agree);
}

}  // namespace
}  // namespace ralph::meter
