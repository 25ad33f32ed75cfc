// What the worktrees of a run of items side by side share: iteration numbers and the limit on
// them, claimed under a lock, and each worktree's spend.
#include "budget/run_pool.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

namespace ralph::budget {
namespace {

TEST(RunPoolTest, LoopsClaimEachIterationNumberOnceAndNeverPastTheLimit) {
  testing::TempDir dir;
  RunPool seeding(dir.path() / "pool");
  ASSERT_TRUE(seeding.seed(2, 5));  // a resumed run: two records, the last numbered 5
  ASSERT_TRUE(seeding.seed(1, 3));  // an older view never lowers what was claimed
  std::vector<std::thread> loops;
  std::vector<std::vector<int>> claimed(4);
  for (int i = 0; i < 4; ++i) {
    loops.emplace_back([&, i] {
      RunPool pool(dir.path() / "pool");  // each loop its own, as each process has
      for (;;) {
        auto next = pool.claim_iteration(10);
        ASSERT_TRUE(next) << next.message();
        if (!*next) return;
        claimed[i].push_back(**next);
      }
    });
  }
  for (auto& loop : loops) loop.join();
  std::set<int> numbers;
  size_t count = 0;
  for (const auto& some : claimed) {
    numbers.insert(some.begin(), some.end());
    count += some.size();
  }
  EXPECT_EQ(count, 8u);  // 10 less the 2 recorded
  EXPECT_EQ(numbers, (std::set<int>{6, 7, 8, 9, 10, 11, 12, 13}));
  auto total = seeding.claimed();
  ASSERT_TRUE(total);
  EXPECT_EQ(*total, 10);
}

TEST(RunPoolTest, EachWorktreeSeesWhatTheOthersSpent) {
  testing::TempDir dir;
  RunPool one(dir.path() / "pool");
  RunPool two(dir.path() / "pool");
  one.publish("US-001", 1.25);
  two.publish("US-002", 0.5);
  two.publish("US-002", 0.75);  // its running iteration went on
  EXPECT_DOUBLE_EQ(one.spent_except("US-001"), 0.75);
  EXPECT_DOUBLE_EQ(two.spent_except("US-002"), 1.25);
  EXPECT_DOUBLE_EQ(one.spent_except(""), 2.0);
  dir.write("pool/iterations", "garbage");
  EXPECT_FALSE(one.claim_iteration(5));
}

}  // namespace
}  // namespace ralph::budget
