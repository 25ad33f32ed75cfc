// Items side by side (README "Running many loops") against the real Claude Code CLI: each item
// in a git worktree of its own with an agent of its own, ralph alone merging their branches
// into the run's, setting the items passing and keeping one record per iteration.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// What every agent runs: it works out its item from its worktree's folder.
constexpr const char* kDoItem = R"(item=$(basename "$PWD")
echo "$item" > "$item.txt"
echo "$item: learned" >> plans/progress.txt
sed -i "/\"id\": \"$item\"/,/\"passes\"/s/\"passes\": false/\"passes\": true/" plans/prd.json
)";

TEST(ParallelTest, ThreeAtATimeSixItemsAreMergedWithOneRecordPerIteration) {
  Harness h("parallel_items");
  h.write_plan(6);
  h.write("do-item.sh", kDoItem);
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--parallel", "3"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.last_line(), "halt: complete - all 6 items in plans/prd.json pass") << run.out;

  auto records = h.records();
  ASSERT_EQ(records.size(), 6u) << run.out;
  std::set<std::string> items;
  std::set<int> iterations;
  const std::string run_id = records[0]["run_id"];
  for (const auto& r : records) {
    EXPECT_EQ(r["run_id"], run_id);
    EXPECT_EQ(r["outcome"], "success") << r.dump();
    EXPECT_EQ(r["worktree"], r["item_id"]) << r.dump();
    EXPECT_EQ(r["items_completed"], json::array({r["item_id"]})) << r.dump();
    items.insert(r["item_id"].get<std::string>());
    iterations.insert(r["iteration"].get<int>());
  }
  EXPECT_EQ(items.size(), 6u);
  EXPECT_EQ(iterations, (std::set<int>{1, 2, 3, 4, 5, 6}));

  // The run's branch has every item's work, every item passing, and every note, once.
  json prd = json::parse(h.read("plans/prd.json"));
  const std::string progress = h.read("plans/progress.txt");
  for (int i = 1; i <= 6; ++i) {
    const std::string item = "US-00" + std::to_string(i);
    EXPECT_EQ(h.read(item + ".txt"), item + "\n");
    EXPECT_EQ(prd["userStories"][i - 1]["passes"], true) << item;
    EXPECT_EQ(progress.find(item + ": learned\n"), progress.rfind(item + ": learned\n"));
    EXPECT_NE(progress.find(item + ": learned\n"), std::string::npos) << progress;
  }
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");
  // No worktree is left, and git knows of none; the items' branches stay.
  EXPECT_FALSE(std::filesystem::exists(h.repo() / ".ralph/worktrees/US-001"));
  EXPECT_EQ(h.git({"worktree", "list"}).out.find(".ralph/worktrees"), std::string::npos);
  EXPECT_NE(h.git({"branch", "--list", "ralph/" + run_id + "/*"}).out.find("US-006"),
            std::string::npos);
  // Three ran at once: the fourth item started only after one of the first three had ended.
  json state = json::parse(h.read(".ralph/state.json"));
  EXPECT_EQ(state["parallel"], 3);
  ASSERT_EQ(state["worktrees"].size(), 6u);
  for (const auto& tree : state["worktrees"]) EXPECT_EQ(tree["status"], "merged") << tree.dump();
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(ParallelTest, AMergeThatConflictsKeepsItsBranchAndTheItemIsDoneAgainOnTheUpdatedRunBranch) {
  Harness h("parallel_conflict");
  h.write_plan(2);
  // shared.txt: created by a first try (both conflict), appended to on top of the other's.
  h.write("do-item.sh",
          std::string(kDoItem) + R"(if [ -f shared.txt ]; then echo "$item" >> shared.txt
else echo "$item first" > shared.txt; fi
)");
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--parallel", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u) << run.out;
  // Whichever merged first; the other conflicted, then went again.
  const std::string first = records[2]["item_id"] == "US-001" ? "US-002" : "US-001";
  const std::string second = first == "US-001" ? "US-002" : "US-001";
  EXPECT_EQ(records[2]["item_id"], second);
  EXPECT_NE(run.out.find("ralph: " + second +
                         "'s merge into main conflicts in shared.txt: its "
                         "branch ralph/" +
                         records[0]["run_id"].get<std::string>() + "/" + second +
                         " is kept, and the item gets another iteration in a fresh worktree"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(h.read("shared.txt"), first + " first\n" + second + "\n");
  const std::string run_id = records[0]["run_id"];
  // The branch that conflicted is kept as it was; the retry's branch is the second try's.
  EXPECT_EQ(h.git({"show", "ralph/" + run_id + "/" + second + ":shared.txt"}).out,
            second + " first\n");
  // The retry's agent was told, in its worktree's progress.txt.
  const std::string retried =
      h.git({"show", "ralph/" + run_id + "/" + second + "+2:plans/progress.txt"}).out;
  EXPECT_NE(retried.find("## ralph: the merge of " + second + " conflicted\n"), std::string::npos)
      << retried;
  EXPECT_NE(retried.find("it conflicts in shared.txt"), std::string::npos) << retried;
  // The run's progress.txt has each item's note once, and not ralph's note to the retry.
  const std::string progress = h.read("plans/progress.txt");
  EXPECT_EQ(progress, "\n" + first + ": learned\n\n" + second + ": learned\n") << progress;
  json prd = json::parse(h.read("plans/prd.json"));
  EXPECT_EQ(prd["userStories"][0]["passes"], true);
  EXPECT_EQ(prd["userStories"][1]["passes"], true);

  json state = json::parse(h.read(".ralph/state.json"));
  for (const auto& tree : state["worktrees"]) {
    EXPECT_EQ(tree["status"], "merged") << tree.dump();
    if (tree["item"] != second) continue;
    EXPECT_EQ(tree["attempt"], 2);
    EXPECT_EQ(tree["conflicted"], 1);
    EXPECT_EQ(tree["conflicts"], json::array({"shared.txt"}));
  }
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");
  EXPECT_EQ(h.git({"worktree", "list"}).out.find(".ralph/worktrees"), std::string::npos);
}

TEST(ParallelTest, AConflictIsATryOfTheItemSoItsLimitBlocksIt) {
  Harness h("parallel_conflict");
  h.write_plan(2);
  h.write("do-item.sh", std::string(kDoItem) + R"(echo "$item first" > shared.txt
)");
  h.commit_all("Add the plan");

  CommandResult run = h.ralph(
      {"run", "--model", "claude-sonnet-5-5", "--parallel", "2", "--item-max-iterations", "1"});
  EXPECT_EQ(run.exit_code, 7) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u) << run.out;
  EXPECT_NE(run.last_line().find("halt: blocked - every item left is blocked: US-00"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.last_line().find(
                "(1 iteration without passing; item_max_iterations is 1); raise the limits"),
            std::string::npos)
      << run.out;
  // The blocked item's worktree went with the run's end; its branches stay.
  EXPECT_EQ(h.git({"worktree", "list"}).out.find(".ralph/worktrees"), std::string::npos);
  EXPECT_TRUE(h.leftover_processes().empty());

  // Its limit raised, a resume gives it its chance again, on the branch of its last try (made
  // from the run's branch after the other item's merge): this time it merges.
  CommandResult resumed = h.ralph({"run", "--model", "claude-sonnet-5-5", "--parallel", "2",
                                   "--item-max-iterations", "3", "--resume"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  records = h.records();
  ASSERT_EQ(records.size(), 3u) << resumed.out;
  const std::string blocked = records[2]["item_id"];
  EXPECT_EQ(records[2]["history_rewritten"], false) << records[2].dump();
  EXPECT_EQ(h.read("shared.txt"), blocked + " first\n");
  json prd = json::parse(h.read("plans/prd.json"));
  EXPECT_EQ(prd["userStories"][0]["passes"], true);
  EXPECT_EQ(prd["userStories"][1]["passes"], true);
  EXPECT_EQ(h.git({"worktree", "list"}).out.find(".ralph/worktrees"), std::string::npos);
}

TEST(ParallelTest, AnItemStartsOnlyOnceTheItemsItDependsOnAreMerged) {
  Harness h("parallel_items");
  h.write("plans/prd.json", R"({
  "project": "sample",
  "userStories": [
    {"id": "US-001", "title": "Item 1", "priority": 1, "passes": false},
    {"id": "US-002", "title": "Item 2", "dependsOn": ["US-001"], "priority": 2, "passes": false},
    {"id": "US-003", "title": "Item 3", "priority": 3, "passes": false}
  ]
}
)");
  h.write("plans/progress.txt", "");
  h.write("plans/PROMPT.md", "Work on {{item_id}}: {{item_title}}.\n");
  h.write("do-item.sh", kDoItem);
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--parallel", "3"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u) << run.out;
  std::map<std::string, json> by_item;
  for (const auto& r : records) by_item[r["item_id"]] = r;
  ASSERT_EQ(by_item.size(), 3u);
  // US-002 waited for US-001's merge, and its worktree started from the run's branch with it.
  EXPECT_GE(by_item["US-002"]["started_at"].get<std::string>(),
            by_item["US-001"]["ended_at"].get<std::string>());
  const std::string run_id = records[0]["run_id"];
  EXPECT_EQ(h.git({"show", "ralph/" + run_id + "/US-002:US-001.txt"}).out, "US-001\n");
  EXPECT_NE(run.out.find("ralph: US-001 passes: merged into main"), std::string::npos);
  EXPECT_LT(run.out.find("ralph: US-001 passes"), run.out.find("ralph: US-002 runs in")) << run.out;
}

TEST(ParallelTest,
     TheRunsBudgetCountsEveryWorktreesLiveSpendSoThreeAgentsPassItByThreeTurnsAtMost) {
  // Every agent works on and on, $0.40 a turn: alone, each would spend the whole $2.00.
  Harness h("budget_endless_iteration");
  h.add_plan(3);

  CommandResult run =
      h.ralph({"run", "--model", "claude-sonnet-5-5", "--parallel", "3", "--budget", "2.00"});
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_EQ(run.last_line().rfind("halt: budget", 0), 0u) << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u) << run.out;
  const double one_turn = 200000 * 2.0 / 1e6 + 100 * 10.0 / 1e6;
  double total = 0;
  for (const auto& r : records) {
    EXPECT_EQ(r["outcome"], "budget") << r.dump();
    total += r["cost_usd"].get<double>();
  }
  EXPECT_GT(total, 2.00);
  EXPECT_LE(total, 2.00 + 3 * one_turn + 1e-9) << run.out;
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(ParallelTest, ARunResumedWithParallelCountsWhatItSpentBeforeUnderItsBudget) {
  Harness h("budget_endless_iteration");
  h.add_plan(3);
  // One item at a time first: its endless iteration is stopped at the run's $1.60.
  CommandResult first = h.ralph({"run", "--model", "claude-sonnet-5-5", "--budget", "1.60"});
  ASSERT_EQ(first.exit_code, 3) << first.out << first.err;
  ASSERT_EQ(h.records().size(), 1u);
  const double before = h.records()[0]["cost_usd"].get<double>();
  // Resumed three at a time with $2.00 in all: what is left is what the first iteration left.
  CommandResult second = h.ralph(
      {"run", "--model", "claude-sonnet-5-5", "--parallel", "3", "--budget", "2.00", "--resume"});
  EXPECT_EQ(second.exit_code, 3) << second.out << second.err;
  const double one_turn = 200000 * 2.0 / 1e6 + 100 * 10.0 / 1e6;
  double total = 0;
  for (const auto& r : h.records()) total += r["cost_usd"].get<double>();
  EXPECT_GT(before, 1.60);
  EXPECT_LE(total, 2.00 + 3 * one_turn + 1e-9) << second.out;
  EXPECT_TRUE(h.leftover_processes().empty());
}

// Three agents are in their long tool command, each with a daemon left beside it.
void wait_for_three_daemons(const Harness& h) {
  for (const char* item : {"US-001", "US-002", "US-003"}) {
    ASSERT_TRUE(h.wait_for_file(h.home() / "pids" / item, 60s)) << item;
  }
}

// The run goes on from where each worktree was, once, and completes every item.
void expect_resumed_to_the_end(Harness& h, const std::string& wrapper) {
  CommandResult second =
      h.ralph({"run", "--agent", wrapper, "--model", "claude-sonnet-5-5", "--parallel", "3"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("resuming run"), std::string::npos) << second.out;
  auto left = h.leftover_processes();
  EXPECT_TRUE(left.empty()) << left.size() << " processes outlived ralph";
  auto records = h.records();
  ASSERT_EQ(records.size(), 6u) << second.out;
  std::set<int> iterations;
  std::set<std::string> completed;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i]["run_id"], records[0]["run_id"]);
    EXPECT_EQ(records[i]["outcome"], i < 3 ? "interrupted" : "success") << records[i].dump();
    iterations.insert(records[i]["iteration"].get<int>());
    for (const auto& id : records[i]["items_completed"]) completed.insert(id.get<std::string>());
  }
  EXPECT_EQ(iterations, (std::set<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(completed, (std::set<std::string>{"US-001", "US-002", "US-003"}));
  for (const char* item : {"US-001", "US-002", "US-003"}) {
    EXPECT_EQ(h.read(std::string(item) + ".txt"), std::string(item) + "\n");
  }
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "");
  EXPECT_EQ(h.git({"worktree", "list"}).out.find(".ralph/worktrees"), std::string::npos);
}

TEST(ParallelTest, CtrlCWithThreeAgentsRunningStopsEveryTreeThenTheRunResumes) {
  Harness h("parallel_interrupted");
  h.write_plan(3);
  h.write("do-item.sh", kDoItem);
  h.commit_all("Add the plan");
  const std::string wrapper = h.write_wrapper().string();  // claude | tee, as users wrap it
  int pid = h.start_ralph(
      {"run", "--agent", wrapper, "--model", "claude-sonnet-5-5", "--parallel", "3"}, "first");
  ASSERT_NO_FATAL_FAILURE(wait_for_three_daemons(h));
  // `ralph status` shows every running worktree.
  CommandResult status = h.ralph({"status"});
  EXPECT_NE(status.out.find("3 items side by side (at most 3)"), std::string::npos) << status.out;
  for (const char* item : {"US-001", "US-002", "US-003"}) {
    EXPECT_NE(status.out.find(fmt::format("worktree   {} running (pid ", item)), std::string::npos)
        << status.out;
    EXPECT_NE(status.out.find(fmt::format("/{} in .ralph/worktrees/{}", item, item)),
              std::string::npos)
        << status.out;
  }
  json status_json = json::parse(h.ralph({"status", "--json"}).out);
  EXPECT_EQ(status_json["run"]["parallel"], 3);
  EXPECT_EQ(status_json["run"]["worktrees"].size(), 3u) << status_json.dump();
  ::kill(pid, SIGINT);
  CommandResult first = h.finish(pid, "first");
  EXPECT_EQ(first.exit_code, 130) << first.out << first.err;
  EXPECT_EQ(first.last_line().rfind("halt: interrupted", 0), 0u) << first.out;
  // The moment ralph has exited: no agent, no daemon, no worktree's loop.
  auto left = h.leftover_processes();
  EXPECT_TRUE(left.empty()) << left.size() << " processes outlived ralph";
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u) << first.out;
  for (const auto& r : records) EXPECT_EQ(r["outcome"], "interrupted") << r.dump();
  json state = json::parse(h.read(".ralph/state.json"));
  EXPECT_EQ(state["halt_reason"], "interrupted");
  ASSERT_EQ(state["worktrees"].size(), 3u);
  for (const auto& tree : state["worktrees"]) {
    EXPECT_EQ(tree["status"], "stopped") << tree.dump();
    EXPECT_TRUE(std::filesystem::exists(h.repo() / tree["path"].get<std::string>()));
  }
  expect_resumed_to_the_end(h, wrapper);
}

TEST(ParallelTest, AfterKill9OfRalphEveryWorktreesLoopStopsItsTreeThenTheRunResumes) {
  Harness h("parallel_interrupted");
  h.write_plan(3);
  h.write("do-item.sh", kDoItem);
  h.commit_all("Add the plan");
  const std::string wrapper = h.write_wrapper().string();
  int pid = h.start_ralph(
      {"run", "--agent", wrapper, "--model", "claude-sonnet-5-5", "--parallel", "3"}, "killed");
  ASSERT_NO_FATAL_FAILURE(wait_for_three_daemons(h));
  ::kill(pid, SIGKILL);
  h.finish(pid, "killed");
  // The kernel tells each worktree's loop that ralph is gone (PR_SET_PDEATHSIG): each stops its
  // agent and what that left as a Ctrl-C would, within its grace (5 s to the agent, then 5 s
  // to what it left), and records its iteration.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!h.leftover_processes().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  auto left = h.leftover_processes();
  ASSERT_TRUE(left.empty()) << left.size() << " processes outlived a killed ralph";
  EXPECT_EQ(json::parse(h.read(".ralph/state.json"))["status"], "running");  // it crashed
  ASSERT_EQ(h.records().size(), 3u);
  expect_resumed_to_the_end(h, wrapper);
}

}  // namespace
}  // namespace ralph::integration
