// Context fill against the real Claude Code CLI: an iteration whose context passes 80% of the
// model's window is warned about live (and on_context_warning runs), and Claude Code's own
// auto-compaction is counted.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

TEST(ContextTest, AFullContextIsWarnedAboutAndItsCompactionsCounted) {
  Harness h("context_compacts");
  h.write_plan(1);
  const fs::path calls = h.repo().parent_path() / "context-events.jsonl";
  h.write("hooks/context.sh",
          fmt::format("#!/bin/sh\n{{ tr -d '\\n'; echo; }} >> '{}'\n", calls.string()));
  fs::permissions(h.repo() / "hooks/context.sh", fs::perms::owner_all);
  h.write("plans/ralph.json", R"({"hooks": {"on_context_warning": ["hooks/context.sh"]}})");
  h.commit_all("Add the plan and a hook");
  // Compact once the context passes half the window (Claude Code's own threshold is higher).
  h.set_env("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE", "50");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("ralph: warning: iteration 1's context is 90% full (900000 of 1000000 "
                         "tokens); US-001 may be too big for one iteration"),
            std::string::npos)
      << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_NEAR(records[0]["peak_context_fraction"].get<double>(), 0.9, 1e-9) << records[0].dump();
  EXPECT_GE(records[0]["compactions"].get<int>(), 1) << records[0].dump();
  EXPECT_EQ(records[0]["items_completed"], json::array({"US-001"}));

  std::ifstream in(calls);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << "on_context_warning did not run";
  json event = json::parse(line);
  EXPECT_EQ(event["event"], "on_context_warning");
  EXPECT_EQ(event["iteration"], 1);
  EXPECT_EQ(event["item_id"], "US-001");
  EXPECT_NEAR(event["fraction"].get<double>(), 0.9, 1e-9);
  EXPECT_EQ(event["tokens"], 900000);
  EXPECT_EQ(event["context_window"], 1000000);

  // status suggests splitting the item; costs shows the fill and the compaction.
  CommandResult status = h.ralph({"status"});
  EXPECT_NE(status.out.find("US-001's iterations filled 90% of the context window and compacted "
                            "it"),
            std::string::npos)
      << status.out;
  json status_json = json::parse(h.ralph({"status", "--json"}).out);
  EXPECT_EQ(status_json["run"]["crowded_items"][0]["id"], "US-001");
  CommandResult costs = h.ralph({"costs"});
  EXPECT_NE(costs.out.find("90% "), std::string::npos) << costs.out;
}

}  // namespace
}  // namespace ralph::integration
