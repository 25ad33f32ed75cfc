// Per-item limits against the real Claude Code CLI: an item that reaches its limit without
// passing is blocked for the rest of the run, the loop goes on with the next item, and when
// every item left is blocked the run halts `blocked`, exit 7.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;

TEST(ItemsTest, AnItemIsBlockedAfterItsIterationsWhileTheNextCompletes) {
  Harness h("item_blocked_then_next_completes");
  h.add_plan(2);

  CommandResult run =
      h.ralph({"run", "--model", "claude-sonnet-5-5", "--item-max-iterations", "2"});
  EXPECT_EQ(run.exit_code, 7) << run.out << run.err;
  EXPECT_EQ(run.last_line().rfind("halt: blocked - every item left is blocked: US-001", 0), 0u)
      << run.out;
  EXPECT_NE(run.out.find("ralph: US-001 is blocked for the rest of the run: 2 iterations without "
                         "passing; item_max_iterations is 2"),
            std::string::npos)
      << run.out;

  auto records = h.records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["item_id"], "US-001");
  EXPECT_EQ(records[1]["item_id"], "US-001");
  EXPECT_EQ(records[2]["item_id"], "US-002");
  EXPECT_EQ(records[2]["items_completed"], json::array({"US-002"}));
  EXPECT_EQ(h.read("two.txt"), "two\n");

  json state = json::parse(h.read(".ralph/state.json"));
  EXPECT_EQ(state["halt_reason"], "blocked");
  ASSERT_EQ(state["blocked_items"].size(), 1u);
  EXPECT_EQ(state["blocked_items"][0]["id"], "US-001");
  EXPECT_NE(h.read("plans/progress.txt").find("## ralph: US-001 blocked"), std::string::npos);

  CommandResult status = h.ralph({"status"});
  EXPECT_NE(status.out.find("blocked    US-001: 2 iterations without passing"), std::string::npos)
      << status.out;
  json status_json = json::parse(h.ralph({"status", "--json"}).out);
  EXPECT_EQ(status_json["run"]["blocked_items"][0]["id"], "US-001") << status_json.dump();
}

TEST(ItemsTest, AnItemBudgetStopsTheAgentLiveAndEveryItemEndsBlocked) {
  Harness h("budget_endless_iteration");
  h.add_plan(2);

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--item-budget", "1.00"});
  EXPECT_EQ(run.exit_code, 7) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u) << run.out;
  const double one_turn = 200000 * 2.0 / 1e6 + 100 * 10.0 / 1e6;
  for (size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i];
    EXPECT_EQ(r["item_id"], i == 0 ? "US-001" : "US-002");
    EXPECT_EQ(r["outcome"], "budget") << r.dump();
    EXPECT_GT(r["cost_usd"].get<double>(), 1.00);
    EXPECT_LE(r["cost_usd"].get<double>(), 1.00 + one_turn + 1e-9) << r.dump();
  }
  EXPECT_NE(run.out.find("ralph: US-001 is blocked for the rest of the run: item US-001 spent $"),
            std::string::npos)
      << run.out;
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(ItemsTest, DependsOnOrdersTheItemsAgainstTheirPriority) {
  Harness h("depends_on_order");
  // File order and priority say US-001, US-002, US-003; dependsOn says US-003, US-001, US-002.
  h.write("plans/prd.json", R"({
  "project": "sample",
  "userStories": [
    {"id": "US-001", "title": "Item 1", "dependsOn": ["US-003"], "priority": 1,
      "passes": false},
    {"id": "US-002", "title": "Item 2", "dependsOn": ["US-001", "US-003"], "priority": 2,
      "passes": false},
    {"id": "US-003", "title": "Item 3", "priority": 3,
      "passes": false}
  ]
}
)");
  h.write("plans/progress.txt", "");
  h.write("plans/PROMPT.md", "Work on {{item_id}}: {{item_title}}.\n");
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u) << run.out;
  const char* order[] = {"US-003", "US-001", "US-002"};
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i]["item_id"], order[i]) << run.out;
    EXPECT_EQ(records[i]["items_completed"], json::array({order[i]})) << records[i].dump();
  }
  EXPECT_EQ(h.read("two.txt"), "two\n");
}

}  // namespace
}  // namespace ralph::integration
