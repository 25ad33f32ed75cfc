#include "plan/prd.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace ralph::plan {
namespace {

std::optional<Plan> parse(const std::string& text, Problems& problems) {
  return parse_plan(text, "plans/prd.json", problems);
}

TEST(PrdTest, ParsesTheRalphFormatAndKeepsOrder) {
  Problems problems;
  auto plan = parse(R"({
    "project": "app", "branchName": "ralph/x",
    "userStories": [
      {"id": "US-1", "title": "One", "passes": true, "priority": 1},
      {"id": "US-2", "title": "Two", "passes": false, "priority": 3, "model": "haiku",
       "acceptanceCriteria": ["a", "b"], "verificationCommands": ["make"]},
      {"id": "US-3", "title": "Three", "passes": false, "priority": 2}
    ]})",
                    problems);
  ASSERT_TRUE(plan) << problems.front().to_string();
  EXPECT_EQ(plan->branch_name, "ralph/x");
  ASSERT_EQ(plan->items.size(), 3u);
  EXPECT_EQ(plan->items[1].model, "haiku");
  EXPECT_EQ(plan->items[1].acceptance_criteria.size(), 2u);
  EXPECT_EQ(next_item(*plan)->id, "US-3");  // lowest priority among the failing ones
  EXPECT_EQ(passing_ids(*plan), std::set<std::string>{"US-1"});
  EXPECT_FALSE(all_pass(*plan));
}

TEST(PrdTest, NextItemFallsBackToFileOrderWithoutPriorities) {
  Problems problems;
  auto plan = parse(R"({"userStories": [
      {"id": "A", "title": "a", "passes": true},
      {"id": "B", "title": "b", "passes": false},
      {"id": "C", "title": "c", "passes": false}]})",
                    problems);
  ASSERT_TRUE(plan);
  EXPECT_EQ(next_item(*plan)->id, "B");
}

TEST(PrdTest, AllPassingHasNoNextItem) {
  Problems problems;
  auto plan = parse(R"({"userStories": [{"id": "A", "title": "a", "passes": true}]})", problems);
  ASSERT_TRUE(plan);
  EXPECT_TRUE(all_pass(*plan));
  EXPECT_EQ(next_item(*plan), nullptr);
}

TEST(PrdTest, InvalidJsonNamesLineAndColumn) {
  Problems problems;
  EXPECT_FALSE(parse("{\n  \"userStories\": [\n    {\"id\": \"A\",}\n  ]\n}", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pos->line, 3);
  EXPECT_NE(problems[0].to_string().find("plans/prd.json:3:"), std::string::npos);
  EXPECT_NE(problems[0].message.find("invalid JSON"), std::string::npos);
}

TEST(PrdTest, ReportsEveryProblemWithItsPosition) {
  Problems problems;
  auto plan = parse(R"({
  "userStories": [
    {"title": "no id", "passes": false},
    {"id": "B", "passes": false},
    {"id": "C", "title": "c", "passes": "yes"},
    {"id": "C", "title": "again", "passes": false}
  ]
})",
                    problems);
  EXPECT_FALSE(plan);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].to_string(),
            "plans/prd.json:3:5: missing \"id\": give every story a unique id");
  EXPECT_EQ(problems[1].pos->line, 4);
  EXPECT_NE(problems[1].message.find("\"title\""), std::string::npos);
  EXPECT_EQ(problems[2].pos->line, 5);
  EXPECT_NE(problems[2].message.find("\"passes\" must be true or false"), std::string::npos);
  EXPECT_EQ(problems[3].pos->line, 6);
  EXPECT_NE(problems[3].message.find("duplicate id \"C\""), std::string::npos);
}

TEST(PrdTest, AnItemWaitsForWhatItDependsOnWhateverItsPriority) {
  Problems problems;
  auto plan = parse(R"({"userStories": [
      {"id": "A", "title": "a", "passes": false, "priority": 1, "dependsOn": ["B", "C", "B"]},
      {"id": "B", "title": "b", "passes": false, "priority": 2},
      {"id": "C", "title": "c", "passes": true, "priority": 3}]})",
                    problems);
  ASSERT_TRUE(plan) << problems.front().to_string();
  EXPECT_EQ(plan->items[0].depends_on, (std::vector<std::string>{"B", "C"}));
  EXPECT_EQ(unmet_dependency(*plan, plan->items[0])->id, "B");
  EXPECT_EQ(next_item(*plan)->id, "B");
  EXPECT_EQ(next_item(*plan, {"B"}), nullptr);  // A still waits for B
  plan->items[1].passes = true;
  EXPECT_EQ(unmet_dependency(*plan, plan->items[0]), nullptr);
  EXPECT_EQ(next_item(*plan)->id, "A");
}

TEST(PrdTest, DependsOnNamesItemsOfThePlanAndMakesNoCycle) {
  Problems problems;
  EXPECT_FALSE(parse(R"({"userStories": [
    {"id": "US-001", "title": "a", "passes": false, "dependsOn": "US-002"},
    {"id": "US-002", "title": "b", "passes": false, "dependsOn": [7, "US-02", "US-002"]}
  ]})",
                     problems));
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].pos->line, 2);
  EXPECT_NE(problems[0].message.find("\"dependsOn\" must be a list of item ids"),
            std::string::npos);
  EXPECT_NE(problems[1].message.find("must be a non-empty string, not 7"), std::string::npos);
  EXPECT_NE(problems[2].to_string().find("plans/prd.json:3:"), std::string::npos);
  EXPECT_NE(problems[2].message.find(
                "US-002 depends on \"US-02\", which is not an item of the plan (did you mean "
                "\"US-001\"?)"),
            std::string::npos)
      << problems[2].message;
  EXPECT_NE(problems[3].message.find("US-002 depends on itself"), std::string::npos);

  problems.clear();
  EXPECT_FALSE(parse(R"({"userStories": [
    {"id": "A", "title": "a", "passes": false},
    {"id": "B", "title": "b", "passes": false, "dependsOn": ["C"]},
    {"id": "C", "title": "c", "passes": false, "dependsOn": ["A", "D"]},
    {"id": "D", "title": "d", "passes": false, "dependsOn": ["B"]}
  ]})",
                     problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pos->line, 5);
  EXPECT_NE(problems[0].message.find("cycle, so none of its items could start: B -> C -> D -> B"),
            std::string::npos)
      << problems[0].message;
}

TEST(PrdTest, ALongChainOfDependenciesIsCheckedWithoutRecursion) {
  // Item k depends on item k+1; the last on the first closes a cycle through all of them.
  constexpr int kItems = 50000;
  std::string stories;
  for (int k = 0; k < kItems; ++k) {
    stories += fmt::format(R"({}{{"id":"I{}","title":"t","passes":false,"dependsOn":["I{}"]}})",
                           k == 0 ? "" : ",", k, (k + 1) % kItems);
  }
  Problems problems;
  EXPECT_FALSE(parse(R"({"userStories":[)" + stories + "]}", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("makes a cycle"), std::string::npos);
  EXPECT_NE(problems[0].message.find("I49999 -> I0"), std::string::npos);
}

TEST(PrdTest, ReadsAndChecksThePerItemLimits) {
  Problems problems;
  auto plan = parse(R"({"userStories": [
    {"id": "A", "title": "a", "passes": false, "maxIterations": 2, "budgetUsd": 1.5},
    {"id": "B", "title": "b", "passes": false}
  ]})",
                    problems);
  ASSERT_TRUE(plan) << problems.front().to_string();
  EXPECT_EQ(plan->items[0].max_iterations, 2);
  EXPECT_EQ(plan->items[0].budget_usd, 1.5);
  EXPECT_FALSE(plan->items[1].max_iterations);
  EXPECT_FALSE(plan->items[1].budget_usd);
  EXPECT_EQ(next_item(*plan, {"A"})->id, "B");
  EXPECT_EQ(next_item(*plan, {"A", "B"}), nullptr);

  Problems bad;
  EXPECT_FALSE(parse(R"({"userStories": [
    {"id": "A", "title": "a", "passes": false, "maxIterations": 0, "budgetUsd": "2"}
  ]})",
                     bad));
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].to_string(),
            "plans/prd.json:2:48: \"maxIterations\" must be a whole number of at least 1, not 0");
  EXPECT_NE(bad[1].message.find("\"budgetUsd\" must be a positive number of US dollars"),
            std::string::npos);
}

TEST(PrdTest, MissingOrEmptyStories) {
  Problems problems;
  EXPECT_FALSE(parse(R"({"project": "x"})", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("missing \"userStories\""), std::string::npos);
  problems.clear();
  EXPECT_FALSE(parse(R"({"userStories": []})", problems));
  EXPECT_NE(problems.at(0).message.find("empty"), std::string::npos);
  problems.clear();
  EXPECT_FALSE(parse(R"([1, 2])", problems));
  EXPECT_EQ(problems.size(), 1u);
}

TEST(PrdTest, MissingPassesIsAProblem) {
  Problems problems;
  EXPECT_FALSE(parse(R"({"userStories": [{"id": "A", "title": "a"}]})", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("\"passes\""), std::string::npos);
}

}  // namespace
}  // namespace ralph::plan
