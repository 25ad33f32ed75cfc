// The run settings are described once; ralph.json, the flags and RunOptions all follow the table.
#include "plan/settings.hpp"

#include <gtest/gtest.h>

#include <set>

#include "loop/options.hpp"
#include "plan/config.hpp"

namespace ralph::plan {
namespace {

TEST(SettingsTest, EveryKeyIsUniqueAndEveryFlagIsItsKeyInKebabCase) {
  std::set<std::string> keys;
  for (const auto& spec : setting_specs()) {
    EXPECT_TRUE(keys.insert(spec.key).second) << spec.key;
    if (spec.flag.empty()) continue;
    std::string kebab = spec.key;
    for (char& c : kebab) c = c == '_' ? '-' : c;
    EXPECT_EQ(spec.flag, "--" + kebab);
    EXPECT_FALSE(spec.help.empty()) << spec.key;
  }
}

TEST(SettingsTest, FlagTextIsReadAsItsKindAndCheckedLikeTheFile) {
  const SettingSpec& iterations = *find_setting("item_max_iterations");
  EXPECT_EQ(*parse_setting_text(iterations, "3"), 3);
  EXPECT_EQ(parse_setting_text(iterations, "0").message(),
            "--item-max-iterations must be a whole number of at least 1, not 0");
  EXPECT_EQ(parse_setting_text(iterations, "2x").message(),
            "--item-max-iterations must be a whole number of at least 1, not \"2x\"");
  const SettingSpec& budget = *find_setting("item_budget");
  EXPECT_DOUBLE_EQ(parse_setting_text(budget, "0.25")->get<double>(), 0.25);
  EXPECT_EQ(parse_setting_text(budget, "-1").message(),
            "--item-budget must be a positive number of US dollars, like 5.00, not -1.0");
  EXPECT_EQ(parse_setting_text(budget, "lots").message(),
            "--item-budget must be a positive number of US dollars, like 5.00, not \"lots\"");
  EXPECT_EQ(parse_setting_text(*find_setting("idle_timeout"), "0")->get<long long>(), 0);
}

TEST(SettingsTest, ATimeZoneMustBeOneTheSystemKnows) {
  const SettingSpec& zone = *find_setting("timezone");
  EXPECT_EQ(*parse_setting_text(zone, "Europe/Paris"), "Europe/Paris");
  EXPECT_EQ(parse_setting_text(zone, "Mars/Olympus").message(),
            "--timezone: unknown time zone \"Mars/Olympus\": give an IANA name such as "
            "\"Europe/Paris\" or \"UTC\"");
  EXPECT_FALSE(check_setting(zone, 3, "\"timezone\""));
}

TEST(SettingsTest, ABlockLimitIsTokensOrMax) {
  const SettingSpec& limit = *find_setting("block_limit");
  EXPECT_EQ(*parse_setting_text(limit, "1500000"), 1500000);
  EXPECT_EQ(*parse_setting_text(limit, "max"), "max");
  EXPECT_EQ(parse_setting_text(limit, "0").message(),
            "--block-limit must be a whole number of tokens of at least 1, or \"max\" (the "
            "largest earlier block), not 0");
  EXPECT_FALSE(check_setting(limit, "most", "\"block_limit\""));
  EXPECT_FALSE(check_setting(limit, 1.5, "\"block_limit\""));
  Settings settings;
  settings.set("block_limit", "max");
  loop::RunOptions options;
  options.apply(settings);
  ASSERT_TRUE(options.block_limit);
  EXPECT_TRUE(options.block_limit->largest_earlier);
  settings.set("block_limit", 42);
  options.apply(settings);
  EXPECT_EQ(options.block_limit->tokens, 42);
  EXPECT_FALSE(options.block_limit->largest_earlier);
  EXPECT_FALSE(loop::RunOptions().block_limit);
}

TEST(SettingsTest, HelpShowsTheDefault) {
  EXPECT_EQ(setting_help(*find_setting("max_iterations")), "Stop after N iterations (50)");
  EXPECT_EQ(setting_help(*find_setting("budget")), "Hard cap in USD on this run's agent cost");
}

TEST(SettingsTest, FlagsWinOverTheFile) {
  Settings file;
  file.set("budget", 5.0);
  file.set("max_iterations", 7);
  Settings flags;
  flags.set("budget", 2.0);
  Settings merged = file.under(flags);
  EXPECT_DOUBLE_EQ(*merged.dollars("budget"), 2.0);
  EXPECT_EQ(merged.number("max_iterations"), 7);
}

// RunOptions' own defaults (which unit tests start from) are the table's.
TEST(SettingsTest, RunOptionsDefaultsAreTheTables) {
  loop::RunOptions fresh;
  loop::RunOptions applied;
  applied.apply(Settings{});
  EXPECT_EQ(applied.budgets.run, fresh.budgets.run);
  EXPECT_EQ(applied.budgets.iteration, fresh.budgets.iteration);
  EXPECT_EQ(applied.budgets.item, fresh.budgets.item);
  EXPECT_EQ(applied.budgets.day, fresh.budgets.day);
  EXPECT_EQ(applied.budgets.week, fresh.budgets.week);
  EXPECT_EQ(applied.budgets.month, fresh.budgets.month);
  EXPECT_EQ(applied.timezone, fresh.timezone);
  EXPECT_EQ(applied.calendar_wait, fresh.calendar_wait);
  EXPECT_EQ(applied.halts.max_iterations, fresh.halts.max_iterations);
  EXPECT_EQ(applied.halts.stall_after, fresh.halts.stall_after);
  EXPECT_EQ(applied.halts.max_agent_failures, fresh.halts.max_agent_failures);
  EXPECT_EQ(applied.halts.max_wait, fresh.halts.max_wait);
  EXPECT_EQ(applied.item_max_iterations, fresh.item_max_iterations);
  EXPECT_EQ(applied.model, fresh.model);
  EXPECT_EQ(applied.agent, fresh.agent);
  EXPECT_EQ(applied.iteration_timeout, fresh.iteration_timeout);
  EXPECT_EQ(applied.idle_timeout, fresh.idle_timeout);
  EXPECT_EQ(applied.result_grace, fresh.result_grace);
  EXPECT_EQ(applied.no_commit, fresh.no_commit);
  EXPECT_EQ(applied.halt_on_history_rewrite, fresh.halt_on_history_rewrite);
  EXPECT_EQ(applied.hook_timeout, fresh.hook_timeout);
}

TEST(SettingsTest, EverySettingIsAConfigKey) {
  for (const auto& spec : setting_specs()) {
    EXPECT_NE(std::find(config_keys().begin(), config_keys().end(), spec.key), config_keys().end())
        << spec.key;
  }
}

}  // namespace
}  // namespace ralph::plan
