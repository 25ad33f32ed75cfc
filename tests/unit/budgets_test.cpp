// The budget room: every cap is one kind of object, and one call answers each question.
#include "budget/budgets.hpp"

#include <gtest/gtest.h>

namespace ralph::budget {
namespace {

Limits limits(std::optional<double> run, std::optional<double> iteration,
              std::optional<double> item) {
  Limits out;
  out.run = run;
  out.iteration = iteration;
  out.item = item;
  return out;
}

TEST(BudgetsTest, NoCapsMeansNoLimitAndNoAgentBudget) {
  Budgets budgets{Limits{}};
  Start start = budgets.may_start("US-1", std::nullopt);
  EXPECT_TRUE(start.ok);
  EXPECT_FALSE(start.agent_budget);
  budgets.start_iteration(1, "US-1", std::nullopt);
  EXPECT_FALSE(budgets.must_stop(1e9));
  EXPECT_TRUE(budgets.warnings(1e9).empty());
  EXPECT_FALSE(budgets.finish_iteration(5, std::nullopt));
  EXPECT_DOUBLE_EQ(budgets.run_spent(), 5);
}

TEST(BudgetsTest, TheAgentGetsTheLeastAnyCapHasLeft) {
  Budgets budgets(limits(10.0, 3.0, 2.0));
  EXPECT_DOUBLE_EQ(*budgets.may_start("US-1", std::nullopt).agent_budget, 2.0);  // the item's
  EXPECT_DOUBLE_EQ(*budgets.may_start("US-1", 5.0).agent_budget, 3.0);           // the iteration's
  budgets.book_recorded("US-2", 9.0);
  budgets.book_recorded("US-2", 0.5);
  Start start = budgets.may_start("US-1", 5.0);
  ASSERT_TRUE(start.ok);
  EXPECT_DOUBLE_EQ(*start.agent_budget, 0.5);  // the run's
}

TEST(BudgetsTest, EachCapStopsTheAgentLiveWithItsOwnWords) {
  Budgets budgets(limits(10.0, 3.0, 2.0));
  budgets.book_recorded("US-1", 1.5);
  budgets.start_iteration(2, "US-1", std::nullopt);
  EXPECT_FALSE(budgets.must_stop(0.5));
  auto item = budgets.must_stop(0.6);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->scope, Scope::kItem);
  EXPECT_EQ(item->detail, "item US-1's spend reached $2.1000, past its budget of $2.00");

  budgets.finish_iteration(0.1, std::nullopt);
  budgets.start_iteration(3, "US-2", 5.0);
  auto iteration = budgets.must_stop(3.01);
  ASSERT_TRUE(iteration);
  EXPECT_EQ(iteration->scope, Scope::kIteration);
  EXPECT_EQ(iteration->detail, "iteration 3's spend reached $3.0100, past its budget of $3.00");

  Budgets run(limits(1.0, std::nullopt, std::nullopt));
  run.book_recorded("US-1", 0.9);
  run.start_iteration(2, "US-1", std::nullopt);
  auto stop = run.must_stop(0.2);
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->scope, Scope::kRun);
  EXPECT_EQ(stop->detail, "the run's spend reached $1.1000, past its budget of $1.00");
}

TEST(BudgetsTest, WhatTheRunsOtherWorktreesSpentCountsUnderTheRunsCap) {
  Budgets budgets(limits(10.0, std::nullopt, std::nullopt));
  budgets.book_recorded("US-1", 2.0);
  budgets.set_run_elsewhere(5.0);
  EXPECT_DOUBLE_EQ(budgets.run_spent(), 7.0);
  EXPECT_DOUBLE_EQ(budgets.run_own_spent(), 2.0);
  EXPECT_DOUBLE_EQ(*budgets.may_start("US-1", std::nullopt).agent_budget, 3.0);
  budgets.start_iteration(2, "US-1", std::nullopt);
  EXPECT_FALSE(budgets.must_stop(2.9));
  budgets.set_run_elsewhere(6.0);  // the others spent on meanwhile, live
  auto stop = budgets.must_stop(2.1);
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->scope, Scope::kRun);
  budgets.finish_iteration(2.1, Scope::kRun);
  EXPECT_DOUBLE_EQ(budgets.run_own_spent(), 4.1);
  EXPECT_DOUBLE_EQ(budgets.run_spent(), 10.1);
  EXPECT_FALSE(budgets.may_start("US-1", std::nullopt).ok);
}

TEST(BudgetsTest, NoIterationStartsWhenWhatIsLeftIsBelowTheCheapest) {
  Budgets budgets(limits(1.0, std::nullopt, std::nullopt));
  budgets.book_recorded("US-1", 0.3);
  budgets.book_recorded("US-1", 0.5);
  Start start = budgets.may_start("US-2", std::nullopt);
  EXPECT_FALSE(start.ok);
  EXPECT_EQ(start.refused_by, Scope::kRun);
  EXPECT_FALSE(start.agent_budget);
  EXPECT_EQ(start.why,
            "the run spent $0.8000 of its $1.00 budget; what is left ($0.2000) would not pay for "
            "another iteration (the run's cheapest cost $0.3000)");
}

TEST(BudgetsTest, AnItemsCapRefusesOnlyThatItem) {
  Budgets budgets(limits(std::nullopt, std::nullopt, 1.0));
  budgets.book_recorded("US-1", 1.0);
  Start start = budgets.may_start("US-1", std::nullopt);
  EXPECT_FALSE(start.ok);
  EXPECT_EQ(start.refused_by, Scope::kItem);
  EXPECT_EQ(start.why, "item US-1 spent $1.0000 of its $1.00 budget");
  EXPECT_TRUE(budgets.may_start("US-2", std::nullopt).ok);
  EXPECT_TRUE(budgets.may_start("US-1", 3.0).ok);  // its own budgetUsd is higher
}

TEST(BudgetsTest, FinishingSaysWhichCapWasUsedUp) {
  Budgets budgets(limits(5.0, std::nullopt, 1.0));
  budgets.start_iteration(1, "US-1", std::nullopt);
  EXPECT_FALSE(budgets.finish_iteration(0.5, std::nullopt));
  budgets.start_iteration(2, "US-1", std::nullopt);
  auto item = budgets.finish_iteration(0.45, Scope::kItem);  // stopped live; recorded a bit less
  ASSERT_TRUE(item);
  EXPECT_EQ(item->scope, Scope::kItem);
  EXPECT_EQ(item->detail, "item US-1 spent $0.9500 of its $1.00 budget");
  EXPECT_DOUBLE_EQ(budgets.item_spent("US-1"), 0.95);
  budgets.start_iteration(3, "US-2", std::nullopt);
  auto run = budgets.finish_iteration(4.1, std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->scope, Scope::kRun);
  EXPECT_EQ(run->detail, "the run spent $5.0500 of its $5.00 budget");
}

TEST(BudgetsTest, WarningsAreGivenOncePerCap) {
  Budgets budgets(limits(10.0, 1.0, 4.0));
  budgets.start_iteration(1, "US-1", std::nullopt);
  auto first = budgets.warnings(0.6);
  ASSERT_EQ(first.size(), 1u);  // half the iteration's cap
  EXPECT_EQ(first[0].scope, Scope::kIteration);
  EXPECT_EQ(first[0].line, "ralph: warning: 50% of iteration 1's $1.00 budget spent ($0.6000)");
  EXPECT_TRUE(budgets.warnings(0.7).empty());
  auto more = budgets.warnings(0.96);
  ASSERT_EQ(more.size(), 2u);  // 80% and 95% at once
  EXPECT_DOUBLE_EQ(more[0].threshold, 0.8);
  EXPECT_DOUBLE_EQ(more[1].threshold, 0.95);
  budgets.finish_iteration(0.96, std::nullopt);
  budgets.start_iteration(2, "US-1", std::nullopt);
  auto item = budgets.warnings(1.1);  // the item has spent 2.06 of 4; the iteration 1.1 of 1
  ASSERT_EQ(item.size(), 4u);
  EXPECT_EQ(item[0].scope, Scope::kItem);
  EXPECT_EQ(item[0].line, "ralph: warning: 50% of item US-1's $4.00 budget spent ($2.0600)");
  EXPECT_EQ(item[1].scope, Scope::kIteration);
  EXPECT_EQ(item[3].scope, Scope::kIteration);
  budgets.finish_iteration(1.1, std::nullopt);
  budgets.start_iteration(3, "US-1", std::nullopt);
  EXPECT_TRUE(budgets.warnings(0.1).empty());  // the item's 50% was given already
}

TEST(BudgetsTest, ThresholdsPassedBeforeAResumeAreNotGivenAgain) {
  Budgets budgets(limits(1.0, std::nullopt, 1.0));
  budgets.book_recorded("US-1", 0.85);
  budgets.start_iteration(2, "US-1", std::nullopt);
  auto warnings = budgets.warnings(0.11);
  ASSERT_EQ(warnings.size(), 2u);  // 95% of the run's and of the item's, not their 50 and 80
  EXPECT_DOUBLE_EQ(warnings[0].threshold, 0.95);
  EXPECT_DOUBLE_EQ(warnings[1].threshold, 0.95);
}

TEST(BudgetsTest, CalendarCapsCountEveryLoopAndSayWhenTheyReset) {
  Limits day_cap;
  day_cap.day = 2.0;
  day_cap.month = 50.0;
  Budgets budgets(day_cap);
  const auto midnight = std::chrono::system_clock::time_point(std::chrono::hours(24 * 20000));
  budgets.set_calendar(Scope::kDay, 1.5, "2026-12-02", midnight, "2026-12-03 00:00 UTC");
  budgets.set_calendar(Scope::kMonth, 10.0, "2026-12", midnight, "2027-01-01 00:00 UTC");
  Start start = budgets.may_start("US-1", std::nullopt);
  ASSERT_TRUE(start.ok);
  EXPECT_DOUBLE_EQ(*start.agent_budget, 0.5);  // what the day has left
  budgets.start_iteration(1, "US-1", std::nullopt);
  auto stop = budgets.must_stop(0.6);
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->scope, Scope::kDay);
  EXPECT_EQ(stop->detail,
            "every loop's spend on 2026-12-02 reached $2.1000, past the daily budget of $2.00");
  EXPECT_EQ(stop->resets_at, midnight);
  auto warnings = budgets.warnings(0.6);
  ASSERT_EQ(warnings.size(), 2u);  // 80% and 95% of the day; its 50% was passed before
  EXPECT_EQ(warnings[0].line,
            "ralph: warning: 80% of the $2.00 daily budget spent on 2026-12-02 by every loop "
            "($2.1000)");
  auto used_up = budgets.finish_iteration(0.6, Scope::kDay);
  ASSERT_TRUE(used_up);
  EXPECT_EQ(used_up->scope, Scope::kDay);
  EXPECT_EQ(used_up->detail,
            "every loop spent $2.1000 of the $2.00 daily budget on 2026-12-02; it resets at "
            "2026-12-03 00:00 UTC");
  Start refused = budgets.may_start("US-2", std::nullopt);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.refused_by, Scope::kDay);
  EXPECT_EQ(refused.resets_at, midnight);
  // The next day starts afresh.
  budgets.set_calendar(Scope::kDay, 0.0, "2026-12-03", midnight + std::chrono::hours(24),
                       "2026-12-04 00:00 UTC");
  EXPECT_TRUE(budgets.may_start("US-2", std::nullopt).ok);
  EXPECT_TRUE(is_calendar(Scope::kWeek));
  EXPECT_FALSE(is_calendar(Scope::kItem));
}

TEST(BudgetsTest, ScopeNamesAreTheHookPayloadsCap) {
  EXPECT_EQ(scope_name(Scope::kRun), "run");
  EXPECT_EQ(scope_name(Scope::kIteration), "iteration");
  EXPECT_EQ(scope_name(Scope::kItem), "item");
  EXPECT_EQ(scope_name(Scope::kDay), "day");
  EXPECT_EQ(scope_name(Scope::kWeek), "week");
  EXPECT_EQ(scope_name(Scope::kMonth), "month");
}

TEST(BudgetsTest, AnEscalationMustBeAffordableByEveryCap) {
  Budgets budgets(limits(1.0, 0.6, 0.8));
  budgets.book_recorded("US-1", 0.5);
  // Left: run $0.50, item $0.30, an iteration $0.60.
  EXPECT_TRUE(budgets.may_afford("US-1", std::nullopt, 0.25, "escalating").ok);
  Start item = budgets.may_afford("US-1", std::nullopt, 0.35, "escalating US-1 to opus");
  EXPECT_FALSE(item.ok);
  EXPECT_EQ(item.refused_by, Scope::kItem);
  EXPECT_EQ(item.why,
            "escalating US-1 to opus would cost about $0.3500 (its last iteration's tokens at "
            "that model's prices), more than the $0.3000 item US-1's budget has left");
  Start run = budgets.may_afford("US-2", std::nullopt, 0.55, "escalating US-2");
  EXPECT_EQ(run.refused_by, Scope::kRun);
  EXPECT_NE(run.why.find("the $0.5000 the run's budget has left"), std::string::npos);
  Budgets no_run(limits(std::nullopt, 0.6, std::nullopt));
  Start iteration = no_run.may_afford("US-2", std::nullopt, 0.7, "escalating US-2");
  EXPECT_EQ(iteration.refused_by, Scope::kIteration);
  EXPECT_NE(iteration.why.find("the $0.60 one iteration may cost"), std::string::npos);
  EXPECT_TRUE(Budgets(Limits{}).may_afford("US-1", std::nullopt, 1e9, "x").ok);
}

TEST(BudgetsTest, AnEscalationCountsTheCalendarCapsAndSaysWhenTheyWouldPay) {
  Limits day;
  day.day = 1.0;
  Budgets budgets(day);
  const auto midnight = std::chrono::system_clock::now() + std::chrono::hours(3);
  budgets.set_calendar(Scope::kDay, 0.9, "2026-12-02", midnight, "midnight");
  Start refused = budgets.may_afford("US-1", std::nullopt, 0.2, "escalating");
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.refused_by, Scope::kDay);
  EXPECT_NE(refused.why.find("the daily budget has left on 2026-12-02"), std::string::npos);
  EXPECT_EQ(refused.resets_at, midnight);  // tomorrow's $1.00 pays for it
  // More than a whole day's cap: no day ever pays for it.
  Start never = budgets.may_afford("US-1", std::nullopt, 1.5, "escalating");
  EXPECT_EQ(never.refused_by, Scope::kDay);
  EXPECT_FALSE(never.resets_at);
}

}  // namespace
}  // namespace ralph::budget
