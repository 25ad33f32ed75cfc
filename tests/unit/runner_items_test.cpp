// Per-item limits: an item that reaches its iteration limit or its budget without passing is
// blocked for the rest of the run, the loop goes on with the next, and when every item left is
// blocked the run halts `blocked` (exit 7).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "runner_fixture.hpp"
#include "util/fs.hpp"

namespace ralph::loop {
namespace {

using testing::AgentScript;

class RunnerItemsTest : public RunnerTest {
 public:
  // An iteration that changes files but completes nothing.
  AgentScript busy(double cost) {
    AgentScript script;
    script.lines = {init_line()};
    for (auto& line : turn(fmt::format("b{}", ++message_ids), 1000, 100)) {
      script.lines.push_back(line);
    }
    script.lines.push_back(result_line(cost));
    script.on_launch = [this] { vcs.touch(); };
    return script;
  }

  // The item each iteration worked on, in order.
  std::vector<std::string> items_worked() {
    std::vector<std::string> ids;
    for (const auto& record : records()) ids.push_back(record.item_id.value_or("?"));
    return ids;
  }

  // An iteration that completes US-2 (completing() takes the first failing item, US-1).
  AgentScript completing_second(double cost) {
    AgentScript script;
    script.lines = {init_line(), result_line(cost)};
    script.on_launch = [this] {
      plan_state[1] = true;
      write_plan(plan_state);
      vcs.touch();
    };
    return script;
  }

  std::string progress() {
    auto text = read_file(options.plan.progress_path());
    return text ? *text : std::string();
  }
};

TEST_F(RunnerItemsTest, AnItemIsBlockedAfterItsIterationsAndTheNextOneCompletes) {
  options.item_max_iterations = 2;
  capture_display();
  agent.scripts = {busy(0.1), busy(0.1), completing_second(0.2)};  // the third goes to US-2
  Halt halt = run();
  EXPECT_EQ(items_worked(), (std::vector<std::string>{"US-1", "US-1", "US-2"}));
  EXPECT_EQ(halt.reason, HaltReason::kBlocked);
  EXPECT_EQ(exit_code(halt.reason), 7);
  EXPECT_EQ(halt.detail,
            "every item left is blocked: US-1 (2 iterations without passing; "
            "item_max_iterations is 2); raise the limits and run `ralph run --resume`, or start "
            "a new run");
  EXPECT_NE(shown().find("ralph: US-1 is blocked for the rest of the run: 2 iterations without "
                         "passing; item_max_iterations is 2"),
            std::string::npos)
      << shown();
  EXPECT_NE(progress().find("## ralph: US-1 blocked"), std::string::npos) << progress();
  auto state = read_state(options.state_path());
  ASSERT_TRUE(state);
  ASSERT_EQ(state->blocked_items.size(), 1u);
  EXPECT_EQ(state->blocked_items.begin()->first, "US-1");
  EXPECT_EQ(state->halt_reason, "blocked");
}

TEST_F(RunnerItemsTest, AnItemThatDependsOnABlockedOneIsBlockedWithItAndNeverStarts) {
  options.item_max_iterations = 2;
  item_fields[1] = R"("dependsOn":["US-1"])";
  item_fields[2] = R"("dependsOn":["US-2"])";
  write_plan({false, false, false});
  capture_display();
  agent.scripts = {busy(0.1), busy(0.1), busy(0.1)};
  Halt halt = run();
  EXPECT_EQ(items_worked(), (std::vector<std::string>{"US-1", "US-1"}));
  EXPECT_EQ(halt.reason, HaltReason::kBlocked);
  EXPECT_NE(halt.detail.find("US-2 (it depends on US-1, which is blocked)"), std::string::npos)
      << halt.detail;
  EXPECT_NE(halt.detail.find("US-3 (it depends on US-2, which is blocked)"), std::string::npos)
      << halt.detail;
  EXPECT_NE(progress().find("## ralph: US-3 blocked"), std::string::npos) << progress();
  EXPECT_NE(progress().find("Unblock what it depends on"), std::string::npos) << progress();
}

TEST_F(RunnerItemsTest, AnItemStartsOnlyOnceWhatItDependsOnPasses) {
  item_fields[0] = R"("dependsOn":["US-2"])";
  write_plan({false, false});
  agent.scripts = {completing_second(0.1), completing(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete);
  EXPECT_EQ(items_worked(), (std::vector<std::string>{"US-2", "US-1"}));
}

TEST_F(RunnerItemsTest, AnItemsOwnMaxIterationsWins) {
  dir.write("plans/prd.json",
            R"({"userStories":[{"id":"US-1","title":"Big","passes":false,"maxIterations":1},
                               {"id":"US-2","title":"Small","passes":false}]})");
  options.item_max_iterations = 5;
  agent.scripts = {busy(0.1), busy(0.1), busy(0.1)};
  options.halts.max_iterations = 3;
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kMaxIterations);
  EXPECT_EQ(items_worked(), (std::vector<std::string>{"US-1", "US-2", "US-2"}));
  auto state = read_state(options.state_path());
  ASSERT_TRUE(state);
  EXPECT_EQ(state->blocked_items.at("US-1"), "1 iteration without passing; its maxIterations is 1");
}

TEST_F(RunnerItemsTest, AnItemBudgetStopsTheAgentLiveAndBlocksTheItem) {
  options.budgets.item = 1.0;
  capture_display();
  AgentScript endless;
  endless.lines = {init_line()};
  endless.endless = [](int k) {  // $0.40 a turn
    auto lines = turn(fmt::format("e{}", k / 2), 200'000, 100);
    return lines[k % 2];
  };
  agent.scripts = {endless};
  Halt halt = run();
  EXPECT_EQ(agent.stops, 1);
  auto log = records();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[0].outcome, "budget");
  EXPECT_LE(log[0].cost_usd, 1.0 + 0.40 + 0.001);
  // Told what the item had left.
  const auto& argv = agent.launches.at(0).argv;
  auto flag = std::find(argv.begin(), argv.end(), "--max-budget-usd");
  ASSERT_NE(flag, argv.end());
  EXPECT_EQ(*(flag + 1), "1.0000");
  // US-1 is blocked and the run goes on with US-2 (which the fake agent, out of scripts, fails).
  EXPECT_NE(shown().find("ralph: US-1 is blocked for the rest of the run: item US-1 spent $1.2"),
            std::string::npos)
      << shown();
  EXPECT_EQ(log[1].item_id, "US-2");
  EXPECT_NE(halt.reason, HaltReason::kBudget);
}

TEST_F(RunnerItemsTest, AResumeWithARaisedLimitTriesABlockedItemAgain) {
  options.item_max_iterations = 1;
  write_plan({false});
  agent.scripts = {busy(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kBlocked);
  const std::string before = progress();

  options.item_max_iterations = 2;
  options.resume = RunOptions::Resume::kResume;
  agent.scripts = {completing(0.1)};
  Halt halt = run();
  EXPECT_EQ(halt.reason, HaltReason::kComplete);
  EXPECT_EQ(items_worked(), (std::vector<std::string>{"US-1", "US-1"}));
  auto state = read_state(options.state_path());
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->blocked_items.empty());

  // Resumed with the same limit, it stays blocked, and progress.txt is not told twice.
  write_plan({false});
  options.item_max_iterations = 2;
  EXPECT_EQ(run().reason, HaltReason::kBlocked);
  const std::string after = progress();
  size_t notes = 0;
  for (size_t at = after.find("## ralph: US-1 blocked"); at != std::string::npos;
       at = after.find("## ralph: US-1 blocked", at + 1)) {
    ++notes;
  }
  EXPECT_EQ(notes, 2u);  // once in the first run, once when the raised limit was reached again
  EXPECT_NE(before, after);
}

TEST_F(RunnerItemsTest, AnInterruptedIterationIsNoTryOfTheItem) {
  options.item_max_iterations = 1;
  write_plan({false});
  AgentScript stopped = busy(0.1);
  stopped.on_launch = [this] { interrupts = 1; };
  agent.scripts = {stopped};
  EXPECT_EQ(run().reason, HaltReason::kInterrupted);
  // Resumed, the item still has its one try.
  interrupts = 0;
  options.resume = RunOptions::Resume::kResume;
  agent.scripts = {completing(0.1)};
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_EQ(items_worked(), (std::vector<std::string>{"US-1", "US-1"}));
}

TEST_F(RunnerItemsTest, AfterWaitingForTheNextDayAnItemOverItsOwnCapIsBlocked) {
  ledger = std::make_unique<budget::Ledger>(dir.path() / "ledger.jsonl");
  options.budgets.day = 1.0;
  options.budgets.item = 1.0;
  options.calendar_wait = true;
  options.timezone = "UTC";
  capture_display();
  // US-1's iteration spends the day's cap and its own at once.
  agent.scripts = {busy(1.2), completing_second(0.1)};
  Halt halt = run();
  // Waited for midnight (16 hours away) a minute at a time.
  ASSERT_GT(waits.size(), 900u) << shown();
  for (const auto& [duration, why] : waits) EXPECT_LE(duration, std::chrono::seconds(60));
  EXPECT_NE(waits[0].second.find("calendar cap: every loop spent $1.2000 of the $1.00 daily "
                                 "budget on 2027-01-15"),
            std::string::npos)
      << waits[0].second;
  EXPECT_EQ(items_worked(), (std::vector<std::string>{"US-1", "US-2"}));
  EXPECT_EQ(halt.reason, HaltReason::kBlocked) << halt.detail;
  EXPECT_NE(shown().find("ralph: US-1 is blocked for the rest of the run: item US-1 spent $1.2000 "
                         "of its $1.00 budget"),
            std::string::npos)
      << shown();
}

// README "Budgets": a loop that may start reserves its run's cheapest iteration so far for
// the other loops' cap checks, until its own live cost or record replaces it.
TEST_F(RunnerItemsTest, AnIterationThatMayStartReservesTheRunsCheapestIterationForTheOthers) {
  ledger = std::make_unique<budget::Ledger>(dir.path() / "ledger.jsonl");
  options.budgets.day = 10.0;
  options.timezone = "UTC";
  agent.scripts = {completing(0.3), completing_second(0.1)};
  double reserved = -1;
  auto launch = agent.scripts[1].on_launch;
  agent.scripts[1].on_launch = [&] {
    if (launch) launch();
    budget::Ledger other(dir.path() / "ledger.jsonl");  // another loop's view, before any turn
    reserved = other.others_live();
  };
  EXPECT_EQ(run().reason, HaltReason::kComplete);
  EXPECT_DOUBLE_EQ(reserved, 0.3);
  budget::Ledger after(dir.path() / "ledger.jsonl");
  EXPECT_DOUBLE_EQ(after.others_live(), 0);  // the records count now
}

}  // namespace
}  // namespace ralph::loop
