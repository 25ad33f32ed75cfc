// Anomalies: an iteration far above the run's median by factor and by deviations.
#include "meter/anomaly.hpp"

#include <gtest/gtest.h>

namespace ralph::meter {
namespace {

IterationFigures fig(double cost, double turns, double output, std::string model = "") {
  return {cost, turns, output, std::move(model)};
}

std::vector<IterationFigures> run_of(std::vector<double> costs) {
  std::vector<IterationFigures> out;
  for (double cost : costs) out.push_back(fig(cost, 10, 1000));
  return out;
}

TEST(AnomalyTest, NoBaselineBeforeFiveIterations) {
  EXPECT_FALSE(AnomalyBaseline::of(run_of({1, 1, 1, 1}), 4));
  EXPECT_TRUE(AnomalyBaseline::of(run_of({1, 1, 1, 1, 1}), 4));
}

TEST(AnomalyTest, FlagsWhatExceedsBothTheFactorAndTheDeviations) {
  // Median 0.10, deviations 0.01: factor 4 -> 0.40, median + 5 MAD -> 0.15.
  auto baseline = AnomalyBaseline::of(run_of({0.09, 0.10, 0.11, 0.10, 0.12}), 4);
  ASSERT_TRUE(baseline);
  EXPECT_TRUE(baseline->check(fig(0.39, 10, 1000)).empty());
  auto flagged = baseline->check(fig(0.62, 10, 1000));
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged[0].metric, "cost");
  EXPECT_DOUBLE_EQ(flagged[0].median, 0.10);
  EXPECT_DOUBLE_EQ(flagged[0].value, 0.62);
  EXPECT_EQ(flagged[0].text, "cost 6.2x the run's median");
}

TEST(AnomalyTest, AWidelySpreadRunNeedsMoreThanTheFactor) {
  // Median 1, MAD 1: 5x the median (5) is not past median + 5 MAD (6).
  auto baseline = AnomalyBaseline::of(run_of({0, 1, 1, 2, 3, 0.5, 2}), 4);
  ASSERT_TRUE(baseline);
  EXPECT_TRUE(baseline->check(fig(5, 10, 1000)).empty());
  EXPECT_EQ(baseline->check(fig(6.5, 10, 1000)).size(), 1u);
}

TEST(AnomalyTest, EachMetricOnItsOwnInOrder) {
  std::vector<IterationFigures> run(6, fig(0.1, 8, 2000));
  auto baseline = AnomalyBaseline::of(run, 4);
  ASSERT_TRUE(baseline);
  auto flagged = baseline->check(fig(1.0, 40, 9000));
  ASSERT_EQ(flagged.size(), 3u);
  EXPECT_EQ(flagged[0].text, "cost 10.0x the run's median");
  EXPECT_EQ(flagged[1].text, "turns 5.0x the run's median");
  EXPECT_EQ(flagged[2].text, "output tokens 4.5x the run's median");
  EXPECT_EQ(baseline->check(fig(0.1, 33, 2000)).size(), 1u);
  EXPECT_EQ(baseline->check(fig(0.1, 33, 2000))[0].metric, "turns");
}

TEST(AnomalyTest, AFactorChangesWhatIsFlagged) {
  std::vector<IterationFigures> run(5, fig(0.1, 8, 2000));
  EXPECT_EQ(AnomalyBaseline::of(run, 2)->check(fig(0.25, 8, 2000)).size(), 1u);
  EXPECT_TRUE(AnomalyBaseline::of(run, 4)->check(fig(0.25, 8, 2000)).empty());
}

TEST(AnomalyTest, CostIsComparedWithTheSameModelOnly) {
  // Five iterations on haiku, two on sonnet: sonnet's first costs 20x haiku's median.
  std::vector<IterationFigures> run(5, fig(0.005, 8, 2000, "claude-haiku-5-5"));
  run.push_back(fig(0.1, 8, 2000, "claude-sonnet-5-5"));
  run.push_back(fig(0.1, 8, 2000, "claude-sonnet-5-5"));
  auto on_sonnet = AnomalyBaseline::of(run, 4, "claude-sonnet-5-5");
  ASSERT_TRUE(on_sonnet);
  EXPECT_TRUE(on_sonnet->check(fig(0.1, 8, 2000, "claude-sonnet-5-5")).empty());
  // Turns and output are compared across models.
  EXPECT_EQ(on_sonnet->check(fig(0.1, 40, 2000, "claude-sonnet-5-5")).size(), 1u);
  auto on_haiku = AnomalyBaseline::of(run, 4, "claude-haiku-5-5");
  auto flagged = on_haiku->check(fig(0.1, 8, 2000, "claude-haiku-5-5"));
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged[0].metric, "cost");
}

TEST(AnomalyTest, AMedianOfZeroFlagsNothing) {
  std::vector<IterationFigures> run(5, fig(0, 0, 0));
  EXPECT_TRUE(AnomalyBaseline::of(run, 4)->check(fig(5, 50, 50000)).empty());
}

TEST(AnomalyTest, FiguresOfARecordAndValuesForPeople) {
  IterationRecord record;
  record.cost_usd = 0.25;
  record.num_turns = 7;
  record.usage.output_tokens = 1234;
  auto figures = figures_of(record);
  EXPECT_DOUBLE_EQ(figures.cost_usd, 0.25);
  EXPECT_DOUBLE_EQ(figures.turns, 7);
  EXPECT_DOUBLE_EQ(figures.output_tokens, 1234);
  record.metered_cost_usd = 0.2;  // the meter's figure, as the live check sees it
  record.model = "claude-haiku-5-5";
  EXPECT_DOUBLE_EQ(figures_of(record).cost_usd, 0.25);
  EXPECT_DOUBLE_EQ(figures_of(record, true).cost_usd, 0.2);
  EXPECT_EQ(figures_of(record).model, "claude-haiku-5-5");
  EXPECT_EQ(anomaly_value_text("cost", 0.25), "$0.2500");
  EXPECT_EQ(anomaly_value_text("turns", 7), "7 turns");
  EXPECT_EQ(anomaly_value_text("output_tokens", 1234), "1234 output tokens");
}

}  // namespace
}  // namespace ralph::meter
