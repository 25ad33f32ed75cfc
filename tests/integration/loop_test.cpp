// `ralph init`, `ralph validate` and `ralph run` end to end: the built binary, the real
// Claude Code CLI, and the scripted Messages API.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;

TEST(LoopTest, ThreeItemPlanCompletesWithACommitAndARecordPerIteration) {
  Harness h("complete_three_items");
  h.add_plan(3);

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.last_line().rfind("halt: complete", 0), 0u) << run.out;

  auto records = h.records();
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const json& r = records[i];
    SCOPED_TRACE(r.dump());
    EXPECT_EQ(r["iteration"], i + 1);
    EXPECT_EQ(r["item_id"], fmt::format("US-{:03}", i + 1));
    EXPECT_EQ(r["items_completed"], json::array({fmt::format("US-{:03}", i + 1)}));
    EXPECT_EQ(r["outcome"], "success");
    EXPECT_EQ(r["cost_source"], "agent");
    EXPECT_EQ(r["model"], "claude-sonnet-5-5");
    EXPECT_EQ(r["num_turns"], 2);
    // The record's cost is exactly what Claude Code itself printed.
    json result = h.agent_result(r["run_id"], i + 1);
    ASSERT_TRUE(result.is_object());
    EXPECT_EQ(r["cost_usd"], result["total_cost_usd"]);
    EXPECT_EQ(r["input_tokens"], result["usage"]["input_tokens"]);
    EXPECT_GT(r["cost_usd"].get<double>(), 0.0);
    EXPECT_TRUE(r["commit"].is_string());
  }
  // 2 turns x (3000 in, 200 out, 1000 cache write, 5000 cache read) at $2/$10/$2.50/$0.10.
  EXPECT_NEAR(records[0]["cost_usd"].get<double>(), 2 * (0.006 + 0.002 + 0.0025 + 0.0005), 1e-9);
  EXPECT_TRUE(records[2]["claimed_complete"].get<bool>());

  // One commit per iteration, newest first, with the trailers of README "Commits".
  CommandResult log = h.git({"log", "--format=%H%x1f%an%x1f%B%x1e", "-3"});
  std::vector<std::string> commits;
  for (size_t at = 0; (at = log.out.find('\x1e', at)) != std::string::npos; ++at) {
    commits.push_back(log.out.substr(0, at));
  }
  ASSERT_EQ(commits.size(), 3u);
  const std::string& last = log.out;
  for (int i = 0; i < 3; ++i) {
    const json& r = records[i];
    std::string sha = r["commit"];
    size_t at = last.find(sha);
    ASSERT_NE(at, std::string::npos) << sha;
    std::string entry = last.substr(at, last.find('\x1e', at) - at);
    EXPECT_NE(entry.find("\x1fTest Person\x1f"), std::string::npos) << entry;
    EXPECT_NE(entry.find(fmt::format("ralph(US-{:03}): Item {}", i + 1, i + 1)), std::string::npos)
        << entry;
    EXPECT_NE(entry.find(fmt::format("Ralph-Run: {}", r["run_id"].get<std::string>())),
              std::string::npos);
    EXPECT_NE(entry.find(fmt::format("Ralph-Iteration: {}", i + 1)), std::string::npos);
    EXPECT_NE(entry.find(fmt::format("Ralph-Cost-USD: {:.4f}", r["cost_usd"].get<double>())),
              std::string::npos)
        << entry;
    EXPECT_NE(entry.find("Ralph-Tokens: in=6000 out="), std::string::npos) << entry;
    EXPECT_NE(entry.find("Ralph-Model: claude-sonnet-5-5"), std::string::npos);
  }
  // The work is committed, .ralph/ is not, and nothing is left uncommitted.
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");
  EXPECT_EQ(h.git({"ls-files", ".ralph"}).out, "");
  EXPECT_EQ(h.read("three.txt"), "three\n");
  EXPECT_NE(h.read("plans/progress.txt").find("US-002: wrote two.txt"), std::string::npos);

  json state = json::parse(h.read(".ralph/state.json"));
  EXPECT_EQ(state["halt_reason"], "complete");
  EXPECT_EQ(state["run_id"], records[0]["run_id"]);

  CommandResult costs = h.ralph({"costs", "--json"});
  ASSERT_EQ(costs.exit_code, 0) << costs.err;
  json report = json::parse(costs.out);
  ASSERT_EQ(report["iterations"].size(), 3u);
  double sum = 0;
  for (const auto& r : records) sum += r["cost_usd"].get<double>();
  EXPECT_NEAR(report["totals"]["cost_usd"].get<double>(), sum, 1e-12);
  EXPECT_EQ(report["totals"]["iterations"], 3);
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(LoopTest, WorksOnThePlansBranchAndKeepsTheAgentsOwnCommits) {
  Harness h("agent_commits_on_branch");
  h.write_plan(1);
  std::string plan = h.read("plans/prd.json");
  plan.replace(plan.find("\"project\""), 0, "\"branchName\": \"ralph/feature\",\n  ");
  h.write("plans/prd.json", plan);
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(h.git({"symbolic-ref", "--short", "HEAD"}).out, "ralph/feature\n");
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0]["agent_commits"].size(), 1u);
  std::string agent_commit = records[0]["agent_commits"][0];
  // The agent's commit stays as it is; ralph's commit comes on top with the rest.
  EXPECT_EQ(h.git({"log", "--format=%s", "-3"}).out,
            "ralph(US-001): Item 1\nAgent: add agent.txt\nAdd the plan\n");
  EXPECT_EQ(h.git({"rev-parse", "HEAD~1"}).out, agent_commit + "\n");
  EXPECT_EQ(h.git({"show", "--format=", "--name-only", "HEAD"}).out,
            "plans/prd.json\nplans/progress.txt\n");
  EXPECT_EQ(h.git({"rev-parse", "main"}).out, h.git({"rev-parse", "HEAD~2"}).out);
}

TEST(LoopTest, BudgetCapStopsAnEndlessIterationWithinOneTurn) {
  Harness h("budget_endless_iteration");
  h.add_plan(1);

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--budget", "1.00"});
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_EQ(run.last_line().rfind("halt: budget", 0), 0u) << run.out;

  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  const json& r = records[0];
  EXPECT_EQ(r["outcome"], "budget") << r.dump();
  double cost = r["cost_usd"].get<double>();
  const double one_turn = 200000 * 2.0 / 1e6 + 100 * 10.0 / 1e6;
  EXPECT_GT(cost, 1.00);
  EXPECT_LE(cost, 1.00 + one_turn + 1e-9) << r.dump();
  // Claude Code was told how much was left.
  auto bodies = h.api().requests();
  EXPECT_GE(bodies.size(), 3u);
  EXPECT_LE(bodies.size(), 4u);
  json state = json::parse(h.read(".ralph/state.json"));
  EXPECT_EQ(state["halt_reason"], "budget");
  // The agent's whole process group is gone, including what its tools started.
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(LoopTest, IterationLimitWinsOverAFalseCompletionClaim) {
  Harness h("false_completion_claim");
  h.add_plan(2);

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--max-iterations", "2"});
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_EQ(run.last_line().rfind("halt: max_iterations", 0), 0u) << run.out;
  EXPECT_NE(run.out.find("claimed completion"), std::string::npos) << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    EXPECT_TRUE(r["claimed_complete"].get<bool>());
    EXPECT_EQ(r["items_completed"], json::array());
    EXPECT_EQ(r["item_id"], "US-001");
  }
  EXPECT_EQ(h.api().conversations_started(), 2);
}

TEST(LoopTest, MalformedPlanIsRefusedWithNothingStarted) {
  Harness h("untouched");
  h.write_plan(1);
  h.write("plans/prd.json",
          "{\n  \"userStories\": [\n    {\"id\": \"US-001\", \"title\": \"x\", \"passes\": "
          "\"no\"}\n  ]\n}\n");
  h.commit_all("A broken plan");

  CommandResult run = h.ralph({"run"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("plans/prd.json:3:36: \"passes\" must be true or false"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(h.api().requests_served(), 0);
  EXPECT_FALSE(std::filesystem::exists(h.repo() / ".ralph"));
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");

  CommandResult validate = h.ralph({"validate"});
  EXPECT_EQ(validate.exit_code, 2);
  EXPECT_EQ(validate.err, run.err);
}

TEST(LoopTest, InitScaffoldsThePlanAndRefusesToOverwrite) {
  Harness h("untouched");
  CommandResult init = h.ralph({"init"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  for (const char* file :
       {"plans/prd.json", "plans/PROMPT.md", "plans/progress.txt", "plans/ralph.json"}) {
    EXPECT_TRUE(std::filesystem::exists(h.repo() / file)) << file;
  }
  EXPECT_NE(h.read("plans/PROMPT.md").find("<promise>COMPLETE</promise>"), std::string::npos);
  EXPECT_EQ(h.ralph({"validate"}).exit_code, 0);

  h.write("plans/prd.json", "mine");
  CommandResult again = h.ralph({"init"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
  EXPECT_EQ(h.read("plans/prd.json"), "mine");
  EXPECT_EQ(h.ralph({"init", "--force"}).exit_code, 0);
  EXPECT_NE(h.read("plans/prd.json"), "mine");
  // .ralph/ was already ignored: not added twice.
  EXPECT_EQ(h.read(".gitignore"), ".ralph/\n");
}

TEST(LoopTest, MissingAgentIsFatal) {
  Harness h("untouched");
  h.add_plan(1);
  CommandResult run = h.ralph({"run", "--agent", "/nonexistent/claude"});
  EXPECT_EQ(run.exit_code, 6) << run.out << run.err;
  EXPECT_NE(run.err.find("/nonexistent/claude"), std::string::npos);
  EXPECT_EQ(h.api().requests_served(), 0);
}

}  // namespace
}  // namespace ralph::integration
