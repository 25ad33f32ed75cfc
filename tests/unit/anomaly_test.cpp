// Anomalies: an iteration far above the run's median by factor and by deviations.
#include "meter/anomaly.hpp"

#include <gtest/gtest.h>

namespace ralph::meter {
namespace {

std::vector<IterationFigures> run_of(std::vector<double> costs) {
  std::vector<IterationFigures> out;
  for (double cost : costs) out.push_back({cost, 10, 1000});
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
  EXPECT_TRUE(baseline->check({0.39, 10, 1000}).empty());
  auto flagged = baseline->check({0.62, 10, 1000});
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
  EXPECT_TRUE(baseline->check({5, 10, 1000}).empty());
  EXPECT_EQ(baseline->check({6.5, 10, 1000}).size(), 1u);
}

TEST(AnomalyTest, EachMetricOnItsOwnInOrder) {
  std::vector<IterationFigures> run(6, IterationFigures{0.1, 8, 2000});
  auto baseline = AnomalyBaseline::of(run, 4);
  ASSERT_TRUE(baseline);
  auto flagged = baseline->check({1.0, 40, 9000});
  ASSERT_EQ(flagged.size(), 3u);
  EXPECT_EQ(flagged[0].text, "cost 10.0x the run's median");
  EXPECT_EQ(flagged[1].text, "turns 5.0x the run's median");
  EXPECT_EQ(flagged[2].text, "output tokens 4.5x the run's median");
  EXPECT_EQ(baseline->check({0.1, 33, 2000}).size(), 1u);
  EXPECT_EQ(baseline->check({0.1, 33, 2000})[0].metric, "turns");
}

TEST(AnomalyTest, AFactorChangesWhatIsFlagged) {
  std::vector<IterationFigures> run(5, IterationFigures{0.1, 8, 2000});
  EXPECT_EQ(AnomalyBaseline::of(run, 2)->check({0.25, 8, 2000}).size(), 1u);
  EXPECT_TRUE(AnomalyBaseline::of(run, 4)->check({0.25, 8, 2000}).empty());
}

TEST(AnomalyTest, AMedianOfZeroFlagsNothing) {
  std::vector<IterationFigures> run(5, IterationFigures{0, 0, 0});
  EXPECT_TRUE(AnomalyBaseline::of(run, 4)->check({5, 50, 50000}).empty());
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
  EXPECT_EQ(anomaly_value_text("cost", 0.25), "$0.2500");
  EXPECT_EQ(anomaly_value_text("turns", 7), "7 turns");
  EXPECT_EQ(anomaly_value_text("output_tokens", 1234), "1234 output tokens");
}

}  // namespace
}  // namespace ralph::meter
