// `ralph usage` on transcripts the real Claude Code CLI wrote through the scripted API: its
// counts match the CLI's own, ralph's sessions are attributed to their run and iteration, and
// a person's own session is counted apart. `ralph run --block-limit` waits for the 5-hour
// block to reset before an iteration that would pass the limit.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

int64_t total_of(const json& usage) {
  return usage.value("input_tokens", int64_t{0}) + usage.value("output_tokens", int64_t{0}) +
         usage.value("cache_creation_input_tokens", int64_t{0}) +
         usage.value("cache_read_input_tokens", int64_t{0});
}

json parsed(const CommandResult& result) {
  json value = json::parse(result.out, nullptr, false);
  EXPECT_FALSE(value.is_discarded()) << result.out << result.err;
  return value;
}

TEST(UsageTest, TheCLIsTranscriptsMatchItsTotalsAndRalphsSessionsAreAttributed) {
  Harness h("usage_attributed");
  h.add_plan(2);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  // A person's own session in the same repository, beside the loop.
  CommandResult mine =
      h.shell("claude -p 'say hello' --output-format json --model claude-sonnet-5-5");
  ASSERT_EQ(mine.exit_code, 0) << mine.out << mine.err;
  json own = parsed(mine);
  ASSERT_TRUE(own.contains("session_id")) << mine.out;

  CommandResult sessions = h.ralph({"usage", "session", "--json", "--timezone", "UTC"});
  ASSERT_EQ(sessions.exit_code, 0) << sessions.err;
  json report = parsed(sessions);
  ASSERT_EQ(report["sessions"].size(), 3u) << report.dump(2);
  std::map<std::string, json> by_id;
  for (const auto& row : report["sessions"]) by_id[row["sessionId"].get<std::string>()] = row;

  int64_t ralph_tokens = 0;
  for (const auto& record : records) {
    const std::string id = record["session_id"].get<std::string>();
    ASSERT_TRUE(by_id.count(id)) << id << " not in " << report.dump(2);
    const json& row = by_id[id];
    const json& usage = record;  // the record's token fields are its own
    // Each response counted once: the CLI's own totals, field by field.
    EXPECT_EQ(row["inputTokens"], usage["input_tokens"]) << id;
    EXPECT_EQ(row["outputTokens"], usage["output_tokens"]) << id;
    EXPECT_EQ(row["cacheCreationTokens"], usage["cache_creation_input_tokens"]) << id;
    EXPECT_EQ(row["cacheReadTokens"], usage["cache_read_input_tokens"]) << id;
    EXPECT_NEAR(row["totalCost"].get<double>(), record["cost_usd"].get<double>(), 1e-6) << id;
    // Attributed to its run and iteration.
    ASSERT_TRUE(row["ralph"].is_object()) << row.dump();
    EXPECT_EQ(row["ralph"]["runId"], record["run_id"]);
    EXPECT_EQ(row["ralph"]["iteration"], record["iteration"]);
    EXPECT_EQ(row["ralph"]["item"], record["item_id"]);
    EXPECT_EQ(row["ralph"]["repo"], h.repo().string());
    ralph_tokens += total_of(usage);
  }
  const std::string own_id = own["session_id"].get<std::string>();
  ASSERT_TRUE(by_id.count(own_id)) << report.dump(2);
  const json& person = by_id[own_id];
  EXPECT_TRUE(person["ralph"].is_null());
  EXPECT_EQ(person["inputTokens"], own["usage"]["input_tokens"]);
  EXPECT_EQ(person["outputTokens"], own["usage"]["output_tokens"]);
  EXPECT_EQ(person["cacheCreationTokens"], 300);  // the total, though the breakdown may say 0
  EXPECT_NEAR(person["totalCost"].get<double>(), own["total_cost_usd"].get<double>(), 1e-6);

  const json& totals = report["totals"];
  EXPECT_EQ(totals["ralph"]["totalTokens"], ralph_tokens);
  EXPECT_EQ(totals["ralph"]["sessions"], 2);
  EXPECT_EQ(totals["interactive"]["sessions"], 1);
  EXPECT_EQ(totals["interactive"]["totalTokens"], total_of(own["usage"]));
  EXPECT_EQ(totals["totalTokens"], ralph_tokens + total_of(own["usage"]));

  // The other reports hold the same responses.
  for (const char* period : {"daily", "weekly", "monthly"}) {
    CommandResult other = h.ralph({"usage", period, "--json", "--timezone", "UTC"});
    ASSERT_EQ(other.exit_code, 0) << other.err;
    EXPECT_EQ(parsed(other)["totals"]["totalTokens"], totals["totalTokens"]) << period;
  }
  CommandResult blocks = h.ralph({"usage", "blocks", "--json"});
  ASSERT_EQ(blocks.exit_code, 0) << blocks.err;
  json block_list = parsed(blocks)["blocks"];
  ASSERT_EQ(block_list.size(), 1u);
  EXPECT_TRUE(block_list[0]["isActive"]);
  EXPECT_EQ(block_list[0]["totalTokens"], totals["totalTokens"]);

  // For people: the table, ralph's run beside its sessions, the split.
  CommandResult text = h.ralph({"usage", "session"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find(records[0]["run_id"].get<std::string>() + " #1 US-001"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("repo " + records[1]["run_id"].get<std::string>() + " #2 US-002"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("ralph        2 sessions"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("interactive   1 session "), std::string::npos) << text.out;
  // --live prints each change once when it is not a terminal, until Ctrl-C.
  int live = h.start_ralph({"usage", "blocks", "--live", "--interval", "0.1"}, "live");
  ASSERT_TRUE(h.wait_for_output("live", "active block", 30s));
  ::kill(live, SIGINT);
  CommandResult stopped = h.finish(live, "live");
  EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
  // --project keeps the sessions of this repository only: all three here.
  CommandResult elsewhere = h.ralph({"usage", "daily", "--json", "--project", "no-such-place"});
  EXPECT_EQ(parsed(elsewhere)["totals"]["totalTokens"], 0);
}

TEST(UsageTest, ABlockLimitWaitsForTheResetBeforeAnIterationThatWouldPassIt) {
  Harness h("block_limit_waits");
  h.add_plan(2);
  int pid =
      h.start_ralph({"run", "--model", "claude-sonnet-5-5", "--block-limit", "30000"}, "paced");
  ASSERT_TRUE(h.wait_for_output("paced", "the 5-hour block has 18,400 of 30,000 tokens", 120s))
      << h.read(".ralph/state.json");
  // Waiting, not running the second iteration: one record, one conversation asked for.
  CommandResult status = h.ralph({"status", "--json"});
  json state = parsed(status);
  EXPECT_FALSE(state["run"]["waiting_until"].is_null()) << status.out;
  EXPECT_EQ(state["run"]["window"]["tokens"], 18400) << status.out;
  EXPECT_EQ(state["run"]["window"]["limit"], 30000);
  EXPECT_EQ(h.records().size(), 1u);
  EXPECT_EQ(h.api().conversations_started(), 1);
  CommandResult text = h.ralph({"status"});
  EXPECT_NE(text.out.find("waiting until"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("block      18,400 of 30,000 tokens"), std::string::npos) << text.out;

  ::kill(pid, SIGINT);
  CommandResult paced = h.finish(pid, "paced");
  EXPECT_EQ(paced.exit_code, 130) << paced.out << paced.err;
  EXPECT_EQ(h.records().size(), 1u);
  EXPECT_EQ(h.api().conversations_started(), 1);
  EXPECT_TRUE(h.leftover_processes().empty());
}

}  // namespace
}  // namespace ralph::integration
