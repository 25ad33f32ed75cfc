#include "plan/complexity.hpp"

#include <gtest/gtest.h>

namespace ralph::plan {
namespace {

PlanItem item(std::string title, std::string description = "",
              std::vector<std::string> criteria = {}) {
  PlanItem out;
  out.id = "US-1";
  out.title = std::move(title);
  out.description = std::move(description);
  out.acceptance_criteria = std::move(criteria);
  return out;
}

Estimate estimate(const PlanItem& i) {
  return estimate_complexity(i, ComplexityRules::defaults());
}

struct Read {
  ComplexityRules rules = ComplexityRules::defaults();
  std::vector<std::pair<std::string, std::string>> problems;  // pointer, message
};

Read read(const std::string& text) {
  Read out;
  read_complexity_rules(nlohmann::json::parse(text), out.rules,
                        [&](const std::string& pointer, std::string message) {
                          out.problems.emplace_back(pointer, std::move(message));
                        });
  return out;
}

TEST(ComplexityTest, NamesRoundTrip) {
  for (Complexity level : {Complexity::kLow, Complexity::kMiddle, Complexity::kHigh}) {
    EXPECT_EQ(complexity_from_name(complexity_name(level)), level);
  }
  EXPECT_EQ(complexity_name(Complexity::kMiddle), "middle");
  EXPECT_FALSE(complexity_from_name("medium"));
  EXPECT_FALSE(complexity_from_name("High"));
}

TEST(ComplexityTest, TheThreeExamples) {
  const Estimate typo = estimate(item("Fix a typo in the README"));
  EXPECT_EQ(typo.level, Complexity::kLow);
  EXPECT_DOUBLE_EQ(typo.score, -2);
  EXPECT_EQ(typo.why, "score -2.0: \"fix\" +1, \"typo\" -2, \"readme\" -1 -> low");

  const Estimate refactor = estimate(
      item("Refactor the parser and add tests", "Split the parser into a lexer and a parser.",
           {"the lexer has its own file", "every old test passes", "make passes"}));
  EXPECT_EQ(refactor.level, Complexity::kMiddle) << refactor.why;

  const Estimate migrate = estimate(item("Migrate the session store for concurrency and security"));
  EXPECT_EQ(migrate.level, Complexity::kHigh);
  EXPECT_DOUBLE_EQ(migrate.score, 12);
  EXPECT_EQ(migrate.why, "score 12.0: \"migrate\" +4, \"concurrency\" +4, \"security\" +4 -> high");
}

TEST(ComplexityTest, EachKeywordClass) {
  EXPECT_LT(estimate(item("Rename the comment")).score, 0);
  EXPECT_EQ(estimate(item("Rename the comment")).level, Complexity::kLow);
  EXPECT_EQ(estimate(item("Debug the exporter")).level, Complexity::kMiddle);
  EXPECT_DOUBLE_EQ(estimate(item("Debug the exporter")).score, 2);
  EXPECT_EQ(estimate(item("A new architecture")).level, Complexity::kMiddle);  // 4: below high
  EXPECT_EQ(estimate(item("A distributed architecture")).level, Complexity::kHigh);
  EXPECT_DOUBLE_EQ(estimate(item("A distributed architecture")).score, 7);
  EXPECT_DOUBLE_EQ(estimate(item("Nothing in particular")).score, 0);
  EXPECT_EQ(estimate(item("Nothing in particular")).why,
            "score 0.0: no keyword, criterion or description -> low");
}

TEST(ComplexityTest, WholeWordsTheirFormsAndEachOnce) {
  // Case does not matter; forms match; the same keyword counts once however often it appears.
  EXPECT_DOUBLE_EQ(estimate(item("TYPOS, typo and Typo")).score, -2);
  EXPECT_NEAR(estimate(item("Renamed", "renaming")).score, -2 + 0.04, 1e-9);  // 8 characters
  EXPECT_DOUBLE_EQ(estimate(item("debugged")).score, 2);
  EXPECT_DOUBLE_EQ(estimate(item("debugging")).score, 2);
  EXPECT_DOUBLE_EQ(estimate(item("fixes")).score, 1);
  EXPECT_DOUBLE_EQ(estimate(item("migrated migrating")).score, 4);
  // Not inside other words; punctuation and underscores separate words.
  EXPECT_DOUBLE_EQ(estimate(item("prefix contest testament")).score, 0);
  EXPECT_DOUBLE_EQ(estimate(item("session_store.migrate(); (security)")).score, 8);
  // Keywords in acceptance criteria count too.
  EXPECT_DOUBLE_EQ(estimate(item("x", "", {"security reviewed"})).score, 4.5);
}

TEST(ComplexityTest, CriteriaAndLength) {
  const Estimate three = estimate(item("Plain", "", {"a", "b", "c"}));
  EXPECT_DOUBLE_EQ(three.score, 1.5);
  EXPECT_EQ(three.why, "score 1.5: 3 acceptance criteria +1.5 -> low");
  EXPECT_EQ(estimate(item("Plain", "", {"a"})).why,
            "score 0.5: 1 acceptance criterion +0.5 -> low");

  const Estimate long_text = estimate(item("Plain", std::string(120, 'x')));
  EXPECT_DOUBLE_EQ(long_text.score, 0.6);
  EXPECT_EQ(long_text.why, "score 0.6: 120-character description +0.6 -> low");
  // Characters, not bytes.
  EXPECT_DOUBLE_EQ(estimate(item("Plain", "\xc3\xa9\xc3\xa9")).score, 0.01);

  const Estimate all = estimate(item("Migrate and secure", std::string(120, 'x'), {"a", "b", "c"}));
  EXPECT_EQ(all.why,
            "score 6.1: \"migrate\" +4, 3 acceptance criteria +1.5, 120-character description "
            "+0.6 -> high");
  EXPECT_EQ(estimate_summary(all),
            "high (score 6.1: \"migrate\" +4, 3 acceptance criteria +1.5, 120-character "
            "description +0.6)");
}

TEST(ComplexityTest, ThresholdsAreInclusive) {
  ComplexityRules rules = ComplexityRules::defaults();
  EXPECT_EQ(estimate_complexity(item("refactor"), rules).level, Complexity::kMiddle);  // 2
  rules.high_from = 2;
  rules.middle_from = 1;
  EXPECT_EQ(estimate_complexity(item("refactor"), rules).level, Complexity::kHigh);
  EXPECT_EQ(estimate_complexity(item("fix"), rules).level, Complexity::kMiddle);
}

TEST(ComplexityTest, DefaultsAreAsDocumented) {
  const ComplexityRules& rules = ComplexityRules::defaults();
  EXPECT_DOUBLE_EQ(rules.keywords.at("typo"), -2);
  EXPECT_DOUBLE_EQ(rules.keywords.at("refactor"), 2);
  EXPECT_DOUBLE_EQ(rules.keywords.at("migrate"), 4);
  EXPECT_DOUBLE_EQ(rules.per_criterion, 0.5);
  EXPECT_DOUBLE_EQ(rules.per_100_chars, 0.5);
  EXPECT_DOUBLE_EQ(rules.middle_from, 2);
  EXPECT_DOUBLE_EQ(rules.high_from, 5);
}

TEST(ComplexityTest, RulesAddReplaceAndRemoveWords) {
  Read r = read(R"({"keywords": {"Kernel": 5, "typo": -3, "security": 0},
                    "per_criterion": 1, "per_100_chars": 0, "middle_from": 1, "high_from": 3})");
  ASSERT_TRUE(r.problems.empty()) << r.problems.front().second;
  EXPECT_DOUBLE_EQ(r.rules.keywords.at("kernel"), 5);  // lower case
  EXPECT_DOUBLE_EQ(r.rules.keywords.at("typo"), -3);
  EXPECT_EQ(r.rules.keywords.count("security"), 0u);
  EXPECT_DOUBLE_EQ(r.rules.keywords.at("migrate"), 4);  // kept from the defaults
  EXPECT_DOUBLE_EQ(r.rules.per_criterion, 1);
  EXPECT_DOUBLE_EQ(r.rules.per_100_chars, 0);
  EXPECT_DOUBLE_EQ(r.rules.middle_from, 1);
  EXPECT_DOUBLE_EQ(r.rules.high_from, 3);

  EXPECT_DOUBLE_EQ(estimate_complexity(item("Kernels"), r.rules).score, 5);
  EXPECT_DOUBLE_EQ(estimate_complexity(item("security"), r.rules).score, 0);
  EXPECT_DOUBLE_EQ(estimate_complexity(item("typo", std::string(500, 'x'), {"a"}), r.rules).score,
                   -2);

  Read empty = read("{}");
  EXPECT_TRUE(empty.problems.empty());
  EXPECT_EQ(empty.rules.keywords, ComplexityRules::defaults().keywords);
}

TEST(ComplexityTest, BadRulesNameTheirPointer) {
  Read r = read(R"({"keywords": {"typo": "low", "two words": 1, "a/b": 1},
                    "per_criterion": "half", "middle_form": 2, "colour": 1})");
  ASSERT_EQ(r.problems.size(), 6u);
  // In key order.
  EXPECT_EQ(r.problems[0].first, "/colour");
  EXPECT_NE(r.problems[0].second.find("the keys are keywords, per_criterion"), std::string::npos);
  EXPECT_EQ(r.problems[1].first, "/keywords/a~1b");
  EXPECT_EQ(r.problems[2].first, "/keywords/two words");
  EXPECT_NE(r.problems[2].second.find("one word of letters and digits"), std::string::npos);
  EXPECT_EQ(r.problems[3].first, "/keywords/typo");
  EXPECT_EQ(r.problems[3].second,
            "complexity_rules.keywords.typo: the weight must be a number (0 takes the word out), "
            "not \"low\"");
  EXPECT_EQ(r.problems[4].first, "/middle_form");
  EXPECT_EQ(r.problems[4].second,
            "complexity_rules: unknown key \"middle_form\": did you mean \"middle_from\"?");
  EXPECT_EQ(r.problems[5].first, "/per_criterion");
  EXPECT_EQ(r.problems[5].second, "complexity_rules.per_criterion: must be a number, not \"half\"");

  Read order = read(R"({"middle_from": 4, "high_from": 4})");
  ASSERT_EQ(order.problems.size(), 1u);
  EXPECT_EQ(order.problems[0].first, "/high_from");
  EXPECT_EQ(order.problems[0].second,
            "complexity_rules: high_from (4) must be greater than middle_from (4)");
  Read over_default = read(R"({"middle_from": 6})");  // the default high_from is 5
  ASSERT_EQ(over_default.problems.size(), 1u);
  EXPECT_EQ(over_default.problems[0].first, "/middle_from");

  Read not_object = read(R"([1])");
  ASSERT_EQ(not_object.problems.size(), 1u);
  EXPECT_EQ(not_object.problems[0].first, "");
  Read keywords_list = read(R"({"keywords": ["typo"]})");
  ASSERT_EQ(keywords_list.problems.size(), 1u);
  EXPECT_EQ(keywords_list.problems[0].first, "/keywords");
}

meter::IterationRecord record(std::string run, std::optional<std::string> item, double cost,
                              std::vector<std::string> completed = {},
                              std::optional<int> tier = std::nullopt,
                              std::optional<std::string> complexity = std::nullopt) {
  meter::IterationRecord r;
  r.run_id = std::move(run);
  r.item_id = std::move(item);
  r.cost_usd = cost;
  r.items_completed = std::move(completed);
  r.tier = tier;
  r.complexity = std::move(complexity);
  return r;
}

Plan plan_of(std::vector<PlanItem> items) {
  Plan plan;
  plan.items = std::move(items);
  return plan;
}

PlanItem with_id(std::string id, PlanItem i) {
  i.id = std::move(id);
  return i;
}

TEST(ComplexityTest, LearnsWhatPassedItemsTook) {
  const Plan plan = plan_of({with_id("A", item("Fix a typo")), with_id("B", item("Refactor")),
                             with_id("C", item("Migrate for security"))});
  const std::vector<meter::IterationRecord> log = {
      // Run 1: B passes on tier 1 after 2 iterations ($0.30 + $0.50); A never passes.
      record("r1", "B", 0.30, {}, 0, "middle"),
      record("r1", "A", 0.10, {}, 0),
      record("r1", "B", 0.50, {"B"}, 1, "middle"),
      record("r1", "B", 9.00, {}, 1, "middle"),  // after it passed: not counted
      // Run 2: B again, in one iteration on tier 2; C passes in B's iteration, without one of
      // its own: not counted.
      record("r2", "B", 0.20, {"B", "C"}, 2),
      // Run 3: C passes on tier 2, its complexity from the plan's estimate (high); an item the
      // plan no longer has and no record's complexity is not counted.
      record("r3", "C", 1.00, {"C"}, 2),
      record("r3", "Z", 1.00, {"Z"}, 0),
      // An item without a tier, its complexity from the record.
      record("r3", "Y", 0.40, {"Y"}, std::nullopt, "middle"),
      record("r3", std::nullopt, 5.00, {}),
  };
  const auto history = learn_history(log, plan, ComplexityRules::defaults());
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history.count(Complexity::kLow), 0u);

  const LevelHistory& middle = history.at(Complexity::kMiddle);
  EXPECT_EQ(middle.items, 3);  // B in r1, B in r2, Y
  EXPECT_DOUBLE_EQ(middle.iterations, (2 + 1 + 1) / 3.0);
  EXPECT_DOUBLE_EQ(middle.cost_usd, (0.80 + 0.20 + 0.40) / 3);
  EXPECT_EQ(middle.items_with_tier, 2);
  EXPECT_EQ(middle.tier, 1);  // tiers 1 and 2: the lower of the middle two

  const LevelHistory& high = history.at(Complexity::kHigh);
  EXPECT_EQ(high.items, 1);
  EXPECT_DOUBLE_EQ(high.iterations, 1);
  EXPECT_DOUBLE_EQ(high.cost_usd, 1.00);
  EXPECT_EQ(high.tier, 2);

  EXPECT_TRUE(learn_history({}, plan, ComplexityRules::defaults()).empty());
}

TEST(ComplexityTest, TheRecordedComplexityWinsOverTheEstimate) {
  const Plan plan = plan_of({with_id("A", item("Fix a typo"))});
  const auto history =
      learn_history({record("r", "A", 1, {"A"}, 0, "high")}, plan, ComplexityRules::defaults());
  ASSERT_EQ(history.count(Complexity::kHigh), 1u);
  EXPECT_EQ(history.count(Complexity::kLow), 0u);
  // A complexity that is not a level falls back to the estimate.
  const auto odd =
      learn_history({record("r", "A", 1, {"A"}, 0, "huge")}, plan, ComplexityRules::defaults());
  EXPECT_EQ(odd.count(Complexity::kLow), 1u);
}

Estimate level(Complexity c, std::string why = "score 1.0: \"x\" +1") {
  Estimate e;
  e.level = c;
  e.score = 1;
  e.why = std::move(why) + " -> " + complexity_name(c);
  return e;
}

TEST(ComplexityTest, StartTierFromTheEstimateOnEveryLadderSize) {
  const std::map<Complexity, LevelHistory> none;
  struct Case {
    int size, low, middle, high;
  };
  for (const Case& c : {Case{1, 0, 0, 0}, Case{2, 0, 1, 1}, Case{3, 0, 1, 2}, Case{4, 0, 2, 3}}) {
    EXPECT_EQ(auto_start_tier(level(Complexity::kLow), none, c.size).tier, c.low) << c.size;
    EXPECT_EQ(auto_start_tier(level(Complexity::kMiddle), none, c.size).tier, c.middle) << c.size;
    EXPECT_EQ(auto_start_tier(level(Complexity::kHigh), none, c.size).tier, c.high) << c.size;
  }
  const StartTier start = auto_start_tier(level(Complexity::kMiddle), none, 3);
  EXPECT_EQ(start.level, Complexity::kMiddle);
  EXPECT_EQ(start.reason, "estimated middle (score 1.0: \"x\" +1)");
  EXPECT_TRUE(start.from_history.empty());
}

TEST(ComplexityTest, EnoughHistoryDecides) {
  LevelHistory high;
  high.items = 4;
  high.iterations = 1.5;
  high.cost_usd = 0.42;
  high.tier = 1;
  high.items_with_tier = 4;
  std::map<Complexity, LevelHistory> history = {{Complexity::kHigh, high}};

  const StartTier start = auto_start_tier(level(Complexity::kHigh), history, 3);
  EXPECT_EQ(start.tier, 1);
  EXPECT_EQ(start.reason,
            "estimated high (score 1.0: \"x\" +1); 4 high items here passed on tier 1 (median), in "
            "1.5 iterations and $0.42 on average");
  EXPECT_EQ(start.from_history,
            "4 high items here passed on tier 1 (median), in 1.5 iterations and $0.42 on average");

  // Another level's history does not count.
  EXPECT_EQ(auto_start_tier(level(Complexity::kMiddle), history, 3).tier, 1);
  EXPECT_EQ(auto_start_tier(level(Complexity::kLow), history, 3).tier, 0);

  // Clamped to a shorter ladder.
  history[Complexity::kHigh].tier = 3;
  const StartTier clamped = auto_start_tier(level(Complexity::kHigh), history, 2);
  EXPECT_EQ(clamped.tier, 1);
  EXPECT_NE(clamped.reason.find("passed on tier 3 (median; this ladder's top is tier 1)"),
            std::string::npos)
      << clamped.reason;

  // Too few items with a tier: the estimate decides.
  history[Complexity::kHigh].tier = 0;
  history[Complexity::kHigh].items_with_tier = 2;
  const StartTier few = auto_start_tier(level(Complexity::kHigh), history, 3);
  EXPECT_EQ(few.tier, 2);
  EXPECT_TRUE(few.from_history.empty());
  history[Complexity::kHigh].items_with_tier = 3;
  EXPECT_EQ(auto_start_tier(level(Complexity::kHigh), history, 3).tier, 0);
}

TEST(ComplexityTest, LadderIndexByNameAndAlias) {
  const meter::PricingTable pricing = meter::PricingTable::builtin();
  const std::vector<std::string> ladder = {"claude-haiku-5-5", "sonnet", "claude-opus-5-5"};
  EXPECT_EQ(ladder_index(ladder, "claude-haiku-5-5", pricing), 0);
  EXPECT_EQ(ladder_index(ladder, "Claude-Opus-5-5", pricing), 2);  // case does not matter
  EXPECT_EQ(ladder_index(ladder, "SONNET", pricing), 1);
  // Aliases and full names of the same model, either way round.
  EXPECT_EQ(ladder_index(ladder, "haiku", pricing), 0);
  EXPECT_EQ(ladder_index(ladder, "claude-sonnet-5-5", pricing), 1);
  EXPECT_EQ(ladder_index(ladder, "opus", pricing), 2);
  // Off the ladder.
  EXPECT_FALSE(ladder_index(ladder, "claude-sonnet-4-5", pricing));
  EXPECT_FALSE(ladder_index(ladder, "my-own-model", pricing));
  EXPECT_FALSE(ladder_index({}, "sonnet", pricing));
}

}  // namespace
}  // namespace ralph::plan
