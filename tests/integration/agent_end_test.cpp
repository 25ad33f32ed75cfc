// Agents that do not end the way they should, against the real Claude Code CLI: one that
// prints its result and lingers, one whose stdout a leftover process keeps open after it
// exited, and one that goes silent.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;

TEST(AgentEndTest, ALingeringAgentEndsWithinResultGraceAsSuccess) {
  Harness h("complete_one_item");
  h.add_plan(1);
  h.write("plans/ralph.json", R"({"result_grace": 2})");
  // The result comes, then the agent (here its wrapper) neither exits nor prints anything.
  CommandResult run = h.ralph({"run", "--agent", h.write_wrapper("exec sleep 600").string()});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(h.leftover_processes().empty());
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "success");  // the result said so, not `timeout`
  EXPECT_EQ(records[0]["lingered"], true);
  EXPECT_EQ(records[0]["cost_source"], "agent");
  EXPECT_EQ(records[0]["items_completed"], json::array({"US-001"}));
  EXPECT_LT(records[0]["duration_ms"].get<int>(), 20'000);  // not the hour-long timeout
  EXPECT_NE(run.out.find("printed its result but had not exited 2 s later"), std::string::npos)
      << run.out;
}

TEST(AgentEndTest, AnAgentWhoseOutputALeftoverHoldsOpenEndsWhenItExits) {
  Harness h("complete_one_item");
  h.add_plan(1);
  h.write("plans/ralph.json", R"({"result_grace": 120})");
  // The wrapper exits, but a job it started in the background still has its stdout.
  CommandResult run = h.ralph({"run", "--agent", h.write_wrapper("sleep 600 &").string()});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(h.leftover_processes().empty());
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["outcome"], "success");
  EXPECT_EQ(records[0]["lingered"], false);
  EXPECT_EQ(records[0]["stray_processes"], 1);
  EXPECT_LT(records[0]["duration_ms"].get<int>(), 20'000);  // not result_grace, not the timeout
}

TEST(AgentEndTest, ASilentAgentIsStoppedByTheIdleTimeout) {
  Harness h("silent_then_complete");
  h.add_plan(1);
  CommandResult run = h.ralph({"run", "--idle-timeout", "3", "--iteration-timeout", "600"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(h.leftover_processes().empty());
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["outcome"], "timeout");
  EXPECT_LT(records[0]["duration_ms"].get<int>(), 60'000);
  EXPECT_NE(run.out.find("iteration 1 stopped: the agent was idle for 3 s"), std::string::npos)
      << run.out;
  EXPECT_EQ(records[1]["outcome"], "success");
}

}  // namespace
}  // namespace ralph::integration
