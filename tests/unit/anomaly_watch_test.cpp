// The run's anomaly watch: each metric flagged once per iteration, live figures held to the
// metered costs and the record's to the recorded ones.
#include "loop/anomaly_watch.hpp"

#include <gtest/gtest.h>

namespace ralph::loop {
namespace {

meter::IterationRecord try_of(double cost, double metered) {
  meter::IterationRecord record;
  record.cost_usd = cost;
  record.metered_cost_usd = metered;
  record.num_turns = 4;
  record.usage.output_tokens = 500;
  return record;
}

TEST(AnomalyWatchTest, EachMetricOnceAndEachFigureAgainstItsOwnCosts) {
  AnomalyWatch watch(4);
  // Claude Code charged $1.00 an iteration, the meter priced $0.10.
  for (int i = 0; i < 5; ++i) watch.add(try_of(1.0, 0.1), "claude-sonnet-5-5");
  watch.start_iteration();
  // $0.50 live is far above the metered median; the record's $0.50 is not above $1.00.
  EXPECT_TRUE(watch.check({0.5, 4, 500, "claude-sonnet-5-5"}, false).empty());
  auto live = watch.check({0.5, 4, 500, "claude-sonnet-5-5"}, true);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].text, "cost 5.0x the run's median");
  EXPECT_TRUE(watch.check({0.9, 4, 500, "claude-sonnet-5-5"}, true).empty());  // once
  EXPECT_EQ(watch.flagged().size(), 1u);
  // The next iteration starts clean; another model's cost is not compared.
  watch.start_iteration();
  EXPECT_TRUE(watch.flagged().empty());
  EXPECT_TRUE(watch.check({0.5, 4, 500, "claude-opus-5-5"}, true).empty());
  EXPECT_EQ(watch.check({0.5, 40, 500, "claude-opus-5-5"}, true).size(), 1u);  // turns
}

}  // namespace
}  // namespace ralph::loop
