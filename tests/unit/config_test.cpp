#include "plan/config.hpp"

#include <gtest/gtest.h>

namespace ralph::plan {
namespace {

TEST(ConfigTest, ReadsEveryKeyWithComments) {
  Problems problems;
  auto config = parse_config(R"(// options
{
  "budget": 5.5,            // dollars
  "iteration_budget": 1,
  "max_iterations": 7,
  "model": "sonnet",
  "agent": "/opt/claude",
  "agent_args": ["--max-turns", "30"],
  "iteration_timeout": 600,
  "no_commit": true,
  "stall_after": 2,
  "max_wait": 0,
  "pricing": {"m": {"input": 1, "output": 2, "cache_write": 3, "cache_read": 4}},
  "hooks": {"on_halt": ["hooks/x.sh", "/opt/notify"], "pre_commit": ["hooks/gate.sh"]},
  "hook_timeout": 60,
  "max_agent_failures": 5,
  "allow_secret_files": [".env.test"],
  "idle_timeout": 0,
  "result_grace": 45,
  "on_history_rewrite": "halt",
  "item_max_iterations": 4,
  "item_budget": 0.75
})",
                             "plans/ralph.json", problems);
  ASSERT_TRUE(config) << problems.front().to_string();
  const Settings& set = config->settings;
  EXPECT_DOUBLE_EQ(*set.dollars("budget"), 5.5);
  EXPECT_DOUBLE_EQ(*set.dollars("iteration_budget"), 1.0);
  EXPECT_DOUBLE_EQ(*set.dollars("item_budget"), 0.75);
  EXPECT_EQ(set.number("item_max_iterations"), 4);
  EXPECT_EQ(set.number("max_iterations"), 7);
  EXPECT_EQ(set.text("model"), "sonnet");
  EXPECT_EQ(config->agent_args, (std::vector<std::string>{"--max-turns", "30"}));
  EXPECT_EQ(set.number("iteration_timeout"), 600);
  EXPECT_TRUE(set.on("no_commit"));
  EXPECT_EQ(set.number("stall_after"), 2);
  EXPECT_EQ(set.number("max_wait"), 0);
  EXPECT_TRUE(config->pricing.contains("m"));
  EXPECT_EQ(set.number("max_agent_failures"), 5);
  EXPECT_EQ(set.number("idle_timeout"), 0);  // 0: no idle timeout
  EXPECT_EQ(set.number("result_grace"), 45);
  EXPECT_EQ(set.text("on_history_rewrite"), "halt");
  EXPECT_EQ(config->allow_secret_files, std::vector<std::string>{".env.test"});
  EXPECT_EQ(config->hooks.at("on_halt"), (std::vector<std::string>{"hooks/x.sh", "/opt/notify"}));
  EXPECT_EQ(config->hooks.at("pre_commit"), std::vector<std::string>{"hooks/gate.sh"});
  EXPECT_EQ(set.number("hook_timeout"), 60);
}

TEST(ConfigTest, KeysNotSetReadAsTheirDefaults) {
  Problems problems;
  auto config = parse_config("{}", "plans/ralph.json", problems);
  ASSERT_TRUE(config);
  EXPECT_EQ(config->settings.number("max_iterations"), 50);
  EXPECT_EQ(config->settings.number("item_max_iterations"), 5);
  EXPECT_FALSE(config->settings.dollars("budget"));
  EXPECT_FALSE(config->settings.dollars("item_budget"));
  EXPECT_EQ(config->settings.text("agent"), "claude");
  EXPECT_FALSE(config->settings.text("model"));
  EXPECT_FALSE(config->settings.on("no_commit"));
}

TEST(ConfigTest, UnknownHookEventSuggestsTheClosest) {
  Problems problems;
  EXPECT_FALSE(parse_config("{\n  \"hooks\": {\n    \"on_hlat\": [\"hooks/x.sh\"]\n  }\n}",
                            "plans/ralph.json", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].to_string(),
            "plans/ralph.json:3:5: hooks.on_hlat: unknown hook event; did you mean \"on_halt\"?");
}

TEST(ConfigTest, HookProblemsNameTheKeyPath) {
  Problems problems;
  EXPECT_FALSE(parse_config(R"({"hooks": {"whenever": [], "pre_commit": "gate.sh",
                                          "on_halt": ["ok.sh", "", 3]}, "hook_timeout": 0})",
                            "plans/ralph.json", problems));
  std::string all;
  for (const auto& p : problems) all += p.message + "\n";
  EXPECT_EQ(problems.size(), 5u) << all;
  for (const char* expected :
       {"hooks.whenever: unknown hook event; the events are pre_iteration, on_budget_warning, "
        "on_context_warning, on_anomaly, pre_commit, post_iteration, on_halt\n",
        "hooks.pre_commit: must be a list of executables, like [\"hooks/notify-desktop.sh\"], "
        "not \"gate.sh\"\n",
        "hooks.on_halt[1]: must be a non-empty path to an executable, not \"\"\n",
        "hooks.on_halt[2]: must be a non-empty path to an executable, not 3\n",
        "\"hook_timeout\" must be a whole number of at least 1, not 0\n"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << "\nin:\n" << all;
  }
  problems.clear();
  EXPECT_FALSE(parse_config(R"({"hooks": ["a.sh"]})", "f", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("\"hooks\" must be an object"), std::string::npos);
}

TEST(ConfigTest, UnknownKeySuggestsTheClosest) {
  Problems problems;
  EXPECT_FALSE(parse_config("{\n  \"max_iteration\": 3\n}", "plans/ralph.json", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].to_string(),
            "plans/ralph.json:2:3: unknown key \"max_iteration\": did you mean "
            "\"max_iterations\"?");
}

TEST(ConfigTest, UnknownKeyFarFromAnyListsTheKeys) {
  Problems problems;
  EXPECT_FALSE(parse_config(R"({"colour": "red"})", "f", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("the keys are"), std::string::npos);
}

TEST(ConfigTest, NegativeOrNonNumericBudgetsAreRejected) {
  for (const char* text :
       {R"({"budget": -1})", R"({"budget": "5"})", R"({"budget": 0})",
        R"({"iteration_budget": null})", R"({"max_iterations": 2.5})", R"({"max_iterations": 0})",
        R"({"no_commit": "yes"})", R"({"item_budget": 0})", R"({"item_max_iterations": 0})"}) {
    Problems problems;
    EXPECT_FALSE(parse_config(text, "f", problems)) << text;
    EXPECT_EQ(problems.size(), 1u) << text;
  }
}

TEST(ConfigTest, ProcessAndHistoryOptionsAreChecked) {
  Problems problems;
  EXPECT_FALSE(parse_config(R"({"on_history_rewrite": "ignore", "result_grace": 0,
                                "idle_timeout": -1})",
                            "plans/ralph.json", problems));
  ASSERT_EQ(problems.size(), 3u);  // in key order
  EXPECT_NE(problems[0].to_string().find("\"idle_timeout\" must be a whole number of at least 0"),
            std::string::npos)
      << problems[0].to_string();
  EXPECT_NE(problems[1].to_string().find("\"warn\""), std::string::npos);
  EXPECT_NE(problems[2].to_string().find("\"result_grace\" must be a whole number of at least 1"),
            std::string::npos);
}

TEST(ConfigTest, ComplexityRulesOverTheDefaults) {
  Problems problems;
  auto config = parse_config(R"({"complexity_rules": {"keywords": {"kernel": 5, "typo": 0},
                                                       "high_from": 8}})",
                             "plans/ralph.json", problems);
  ASSERT_TRUE(config) << problems.front().to_string();
  const ComplexityRules& rules = config->complexity_rules;
  EXPECT_DOUBLE_EQ(rules.keywords.at("kernel"), 5);
  EXPECT_EQ(rules.keywords.count("typo"), 0u);
  EXPECT_DOUBLE_EQ(rules.keywords.at("migrate"), 4);
  EXPECT_DOUBLE_EQ(rules.high_from, 8);
  EXPECT_DOUBLE_EQ(rules.middle_from, ComplexityRules::defaults().middle_from);

  auto defaults = parse_config("{}", "plans/ralph.json", problems);
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->complexity_rules.keywords, ComplexityRules::defaults().keywords);
}

TEST(ConfigTest, ComplexityRuleProblemsPointAtTheValue) {
  Problems problems;
  EXPECT_FALSE(parse_config(R"({
  "complexity_rules": {
    "keywords": {"typo": "low"},
    "per_criterio": 1
  }
})",
                            "plans/ralph.json", problems));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].to_string(),
            "plans/ralph.json:3:18: complexity_rules.keywords.typo: the weight must be a number (0 "
            "takes the word out), not \"low\"");
  EXPECT_EQ(problems[1].to_string(),
            "plans/ralph.json:4:5: complexity_rules: unknown key \"per_criterio\": did you mean "
            "\"per_criterion\"?");

  problems.clear();
  EXPECT_FALSE(parse_config(R"({"complexity_rules": "strict"})", "f", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("\"complexity_rules\" must be an object"), std::string::npos);
}

TEST(ConfigTest, InvalidJsonIsOneProblem) {
  Problems problems;
  EXPECT_FALSE(parse_config("{\"budget\": 1,,}", "plans/ralph.json", problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pos->line, 1);
}

}  // namespace
}  // namespace ralph::plan
