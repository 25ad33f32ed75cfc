#include "loop/budget.hpp"

#include <gtest/gtest.h>

namespace ralph::loop {
namespace {

TEST(BudgetTest, UnlimitedWithoutACap) {
  Budget budget(std::nullopt);
  EXPECT_FALSE(budget.remaining());
  EXPECT_FALSE(budget.exceeded_by(1e9));
  EXPECT_TRUE(budget.can_start_iteration());
  EXPECT_TRUE(budget.new_warnings(1e9).empty());
}

TEST(BudgetTest, LiveCostPastTheCapStopsTheAgent) {
  Budget budget(1.0);
  budget.add_iteration(0.6);
  EXPECT_DOUBLE_EQ(*budget.remaining(), 0.4);
  EXPECT_FALSE(budget.exceeded_by(0.4));  // reaching the cap is not passing it
  EXPECT_TRUE(budget.exceeded_by(0.41));
}

TEST(BudgetTest, NoIterationWhenLessIsLeftThanTheCheapestSoFar) {
  Budget budget(1.0);
  budget.add_iteration(0.3);
  budget.add_iteration(0.4);
  EXPECT_TRUE(budget.can_start_iteration());  // 0.3 left, the cheapest cost 0.3
  Budget tight(1.0);
  tight.add_iteration(0.3);
  tight.add_iteration(0.45);
  EXPECT_DOUBLE_EQ(*tight.remaining(), 0.25);
  EXPECT_FALSE(tight.can_start_iteration());
  Budget spent(1.0);
  spent.add_iteration(1.2);
  EXPECT_FALSE(spent.can_start_iteration());
  EXPECT_DOUBLE_EQ(*spent.remaining(), 0.0);
}

TEST(BudgetTest, WarningsAreReportedOnceEach) {
  Budget budget(10.0);
  EXPECT_TRUE(budget.new_warnings(4.9).empty());
  EXPECT_EQ(budget.new_warnings(5.0), std::vector<double>{0.5});
  EXPECT_TRUE(budget.new_warnings(6.0).empty());
  EXPECT_EQ(budget.new_warnings(9.6), (std::vector<double>{0.8, 0.95}));
  EXPECT_TRUE(budget.new_warnings(20).empty());
}

TEST(BudgetTest, ResumedRunCountsWhatWasSpent) {
  Budget budget(2.0, 1.5);
  EXPECT_DOUBLE_EQ(*budget.remaining(), 0.5);
  EXPECT_TRUE(budget.exceeded_by(0.6));
}

}  // namespace
}  // namespace ralph::loop
