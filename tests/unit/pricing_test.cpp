#include "meter/pricing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ralph::meter {
namespace {

using nlohmann::json;

// One million tokens of one kind.
constexpr Usage kInput{1'000'000, 0, 0, 0};
constexpr Usage kOutput{0, 1'000'000, 0, 0};
constexpr Usage kCacheWrite{0, 0, 1'000'000, 0};
constexpr Usage kCacheRead{0, 0, 0, 1'000'000};

std::string error_of(const std::string& overrides) {
  PricingTable table = PricingTable::builtin();
  Status s = table.apply_overrides(json::parse(overrides));
  return s ? "(no error)" : s.message();
}

// Turns of every kind, below and past every threshold of the built-in table.
std::vector<std::pair<Usage, int64_t>> sample_turns() {
  std::vector<std::pair<Usage, int64_t>> turns;
  for (int64_t context : {1'000, 100'000, 100'001, 250'000, 2'000'000}) {
    turns.push_back({{context, 0, 0, 0}, 0});
    turns.push_back({{context / 2, 7'000, context / 4, context - context / 2 - context / 4}, 0});
    turns.push_back({{1, 3'000, context - 1, 0}, context / 3});
  }
  return turns;
}

std::vector<std::string> builtin_models() {
  std::vector<std::string> models;
  const json table = json::parse(builtin_pricing_json());  // outlives the loop over it
  for (const auto& [name, entry] : table.at("models").items()) models.push_back(name);
  return models;
}

TEST(PricingTest, BuiltinTableMatchesWhatClaudeCodeCharges) {
  PricingTable table = PricingTable::builtin();
  EXPECT_EQ(table.probed_with(), "2.1.330");
  EXPECT_EQ(table.default_model(), "claude-opus-5-5");
  // As scripts/probe-prices.sh read them from the CLI's total_cost_usd.
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", kInput), 2.0);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", kOutput), 10.0);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", kCacheWrite), 2.5);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", kCacheWrite, 1'000'000), 4.0);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", kCacheRead), 0.1);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5", kCacheRead), 0.2);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-opus-5-5", kOutput), 20.0);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-fable-5-2", {10'000, 0, 0, 0}), 0.08);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-opus-4-0", kInput), 4.0);  // renamed to opus-5-5
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-opus-4", kInput), 15.0);   // priced as opus-4-0
}

TEST(PricingTest, TheLongContextTierPricesAWholeTurnPastItsThreshold) {
  PricingTable table = PricingTable::builtin();
  const ModelPrice& haiku = table.price_for("claude-haiku-5-5");
  ASSERT_TRUE(haiku.long_context);
  EXPECT_EQ(haiku.long_context->above_tokens, 100'000);
  // At the threshold the standard prices, one token past it the tier's, for every kind.
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", {100'000, 0, 0, 0}), 0.01);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", {100'001, 0, 0, 0}), 100'001 * 0.5 / 1e6);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", {100'000, 10'000, 0, 0}),
                   0.01 + 10'000 * 0.5 / 1e6);
  // Cache writes and reads count toward the threshold; output tokens do not.
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", {50'000, 0, 0, 50'001}),
                   (50'000 * 0.5 + 50'001 * 0.05) / 1e6);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", {50'000, 0, 50'001, 0}, 50'001),
                   (50'000 * 0.5 + 50'001 * 1.0) / 1e6);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", {0, 100'001, 0, 0}), 100'001 * 0.5 / 1e6);
  EXPECT_FALSE(table.price_for("claude-sonnet-5-5").long_context);
}

TEST(PricingTest, OneHourCacheWritesArePartOfTheCacheWrites) {
  PricingTable table = PricingTable::builtin();
  const Usage writes{0, 0, 1'000, 0};
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", writes, 400), (600 * 2.5 + 400 * 4) / 1e6);
  // Never more 1-hour writes than writes, never fewer than none.
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", writes, 5'000), 1'000 * 4 / 1e6);
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-sonnet-5-5", writes, -5), 1'000 * 2.5 / 1e6);
}

TEST(PricingTest, AliasesAndRenamesAreThoseOfTheCli) {
  PricingTable table = PricingTable::builtin();
  PriceLookup sonnet = table.lookup("sonnet");
  EXPECT_EQ(sonnet.source, PriceSource::kAlias);
  EXPECT_EQ(sonnet.priced_as, "claude-sonnet-5-5");
  EXPECT_EQ(sonnet.price, table.price_for("claude-sonnet-5-5"));
  EXPECT_EQ(table.lookup("opusplan").priced_as, "claude-sonnet-5-5");
  EXPECT_EQ(table.lookup("default").priced_as, "claude-opus-5-5");
  // A model of the catalog that the CLI runs as another, and a name of it that it keeps.
  PriceLookup renamed = table.lookup("claude-opus-4-0");
  EXPECT_EQ(renamed.source, PriceSource::kRename);
  EXPECT_EQ(renamed.matched, "claude-opus-5-5");
  PriceLookup provider = table.lookup("us.anthropic.claude-opus-4-8");
  EXPECT_EQ(provider.source, PriceSource::kRename);
  EXPECT_EQ(provider.priced_as, "claude-opus-4-8");
  // Names are compared as the CLI compares them, without regard to case.
  PriceLookup upper = table.lookup("CLAUDE-SONNET-5-5");
  EXPECT_EQ(upper.source, PriceSource::kExact);
  EXPECT_EQ(upper.matched, "claude-sonnet-5-5");
  EXPECT_TRUE(table.knows("claude-sonnet-5-5"));
  EXPECT_FALSE(table.knows("sonnet"));
}

TEST(PricingTest, APrefixMatchesOnlyWhenTheRestIsADateOrProviderSuffix) {
  PricingTable table = PricingTable::builtin();
  struct Case {
    const char* name;
    const char* matched;
    const char* priced_as;
  };
  for (Case c : {Case{"claude-sonnet-4-5-20990101", "claude-sonnet-4-5", "claude-sonnet-4-5"},
                 Case{"claude-haiku-5-5@20260101", "claude-haiku-5-5", "claude-haiku-5-5"},
                 Case{"claude-fable-5-2-v1:0", "claude-fable-5-2", "claude-fable-5-2"},
                 Case{"claude-opus-4-6-v2", "claude-opus-4-6", "claude-opus-4-6"},
                 Case{"claude-sonnet-4-5[1m]", "claude-sonnet-4-5", "claude-sonnet-4-5"},
                 Case{"claude-opus-5-5-20260101[1m]", "claude-opus-5-5", "claude-opus-5-5"},
                 Case{"sonnet[2m]", "sonnet", "claude-sonnet-5-5"},
                 // The longest known name wins: here a rename.
                 Case{"claude-opus-4-20250514-v1:0", "claude-opus-4-20250514", "claude-opus-5-5"},
                 Case{"claude-opus-4@20990101", "claude-opus-4", "claude-opus-4-0"}}) {
    SCOPED_TRACE(c.name);
    PriceLookup found = table.lookup(c.name);
    EXPECT_EQ(found.source, PriceSource::kPrefix);
    EXPECT_EQ(found.matched, c.matched);
    EXPECT_EQ(found.priced_as, c.priced_as);
    json entry = json::parse(builtin_pricing_json())["models"][c.priced_as];
    EXPECT_EQ(found.price.standard.input, entry["input"].get<double>());
    EXPECT_EQ(found.price.standard.cache_read, entry["cache_read"].get<double>());
  }
  // Not a newer version of a known model: claude-sonnet-5-7 is not claude-sonnet-5.
  for (const char* name : {"claude-sonnet-5-7", "claude-sonnet-5-5-mini", "claude-sonnet-4-5-2025",
                           "claude-sonnet-4-5[]", "claude-sonnet-4-5-", "claude-opus-5-5-v"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(table.lookup(name).source, PriceSource::kFamilyFallback);
  }
}

TEST(PricingTest, AFamilyFallbackIsTheFamilysDearestKindByKind) {
  PricingTable table = PricingTable::builtin();
  PriceLookup opus = table.lookup("claude-opus-4-9");
  EXPECT_EQ(opus.source, PriceSource::kFamilyFallback);
  EXPECT_EQ(opus.matched, "opus");
  EXPECT_EQ(opus.priced_as, "");
  EXPECT_EQ(opus.price.standard, (TokenPrices{15, 75, 18.75, 30, 1.5}));  // claude-opus-4-0
  EXPECT_EQ(table.lookup("us.anthropic.claude-opus-9").matched, "opus");
  // Dearer than the cheaper sonnets, whichever kind: claude-sonnet-5 reads cache at 0.20.
  EXPECT_EQ(table.lookup("claude-sonnet-9").price.standard, (TokenPrices{3, 15, 3.75, 6, 0.3}));
  // Haiku: claude-haiku-4-5's standard prices, and a tier from claude-haiku-5-5's threshold.
  PriceLookup haiku = table.lookup("claude-haiku-9");
  EXPECT_EQ(haiku.price.standard, (TokenPrices{1, 5, 1.25, 2, 0.1}));
  ASSERT_TRUE(haiku.price.long_context);
  EXPECT_EQ(haiku.price.long_context->above_tokens, 100'000);
  // Never cheaper than any model of its family, for any turn.
  int compared = 0;
  for (std::string family : {"haiku", "sonnet", "opus", "fable", "mythos"}) {
    std::string unknown = "claude-" + family + "-99";
    ASSERT_EQ(table.lookup(unknown).source, PriceSource::kFamilyFallback) << unknown;
    for (const std::string& model : builtin_models()) {
      if (model.find("-" + family) == std::string::npos) continue;
      SCOPED_TRACE(model);
      ++compared;
      for (const auto& [turn, one_hour] : sample_turns()) {
        EXPECT_GE(table.turn_cost(unknown, turn, one_hour), table.turn_cost(model, turn, one_hour));
      }
    }
  }
  EXPECT_EQ(compared, static_cast<int>(builtin_models().size()));
}

TEST(PricingTest, AnUnknownModelIsPricedAtTheDearestOfTheTable) {
  PricingTable table = PricingTable::builtin();
  PriceLookup unknown = table.lookup("gpt-7");
  EXPECT_EQ(unknown.source, PriceSource::kUnknown);
  EXPECT_EQ(unknown.matched, "");
  EXPECT_EQ(unknown.price.standard, (TokenPrices{15, 75, 18.75, 30, 1.5}));
  EXPECT_EQ(table.lookup("").source, PriceSource::kUnknown);
  EXPECT_EQ(table.find("gpt-7"), nullptr);
  EXPECT_EQ(table.find(""), nullptr);
  ASSERT_NE(table.find("claude-opus-4-9"), nullptr);  // a family fallback is a price
  for (const std::string& model : builtin_models()) {
    SCOPED_TRACE(model);
    for (const auto& [turn, one_hour] : sample_turns()) {
      EXPECT_GE(table.turn_cost("gpt-7", turn, one_hour), table.turn_cost(model, turn, one_hour));
    }
  }
}

TEST(PricingTest, OverridesReplaceAndAddWithTheFourKeysOfBefore) {
  PricingTable table = PricingTable::builtin();
  ASSERT_TRUE(table.apply_overrides(json::parse(
      R"({"claude-haiku-5-5": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1},
          "My-Model": {"input": 3, "output": 4, "cache_write": 5, "cache_read": 6}})")));
  EXPECT_DOUBLE_EQ(table.turn_cost("claude-haiku-5-5", kOutput), 1.0);
  // A replaced model keeps nothing of the built-in entry, not even its tier.
  EXPECT_FALSE(table.price_for("claude-haiku-5-5").long_context);
  EXPECT_DOUBLE_EQ(table.turn_cost("my-model", {1, 1, 1, 1}), 18 / 1e6);
  EXPECT_EQ(table.lookup("my-model").source, PriceSource::kExact);
  // No cache_write_1h: 1.6 times the 5-minute write, as for every model the CLI prices.
  EXPECT_DOUBLE_EQ(table.price_for("my-model").standard.cache_write_1h, 8.0);
}

TEST(PricingTest, OverridesMayGiveOneHourWritesAndATier) {
  PricingTable table = PricingTable::builtin();
  ASSERT_TRUE(table.apply_overrides(json::parse(R"({"sonnet": {
      "input": 1, "output": 2, "cache_write": 3, "cache_write_1h": 3.5, "cache_read": 4,
      "long_context": {"above_tokens": 1000, "input": 10, "output": 20, "cache_write": 30,
                       "cache_read": 40}}})")));
  // The alias became a model of its own.
  EXPECT_EQ(table.lookup("sonnet").source, PriceSource::kExact);
  EXPECT_DOUBLE_EQ(table.turn_cost("sonnet", {0, 0, 1'000, 0}, 1'000), 1'000 * 3.5 / 1e6);
  EXPECT_DOUBLE_EQ(table.turn_cost("sonnet", {1'000, 0, 0, 0}), 1'000 * 1 / 1e6);
  EXPECT_DOUBLE_EQ(table.turn_cost("sonnet", {1'001, 0, 0, 0}), 1'001 * 10 / 1e6);
  EXPECT_DOUBLE_EQ(table.price_for("sonnet").long_context->prices.cache_write_1h, 48.0);
  EXPECT_EQ(table.lookup("claude-sonnet-5-5").source, PriceSource::kExact);
}

TEST(PricingTest, AnOverrideDearerThanAllRaisesTheUnknownPrice) {
  PricingTable table = PricingTable::builtin();
  ASSERT_TRUE(table.apply_overrides(json::parse(
      R"({"claude-opus-9": {"input": 100, "output": 1, "cache_write": 1, "cache_read": 1}})")));
  EXPECT_DOUBLE_EQ(table.lookup("gpt-7").price.standard.input, 100);
  EXPECT_DOUBLE_EQ(table.lookup("gpt-7").price.standard.output, 75);
  EXPECT_DOUBLE_EQ(table.lookup("claude-opus-10").price.standard.input, 100);
}

TEST(PricingTest, BadOverridesNameTheModelAndTheField) {
  EXPECT_EQ(error_of(R"({"m": {"input": -1, "output": 1, "cache_write": 1, "cache_read": 1}})"),
            "pricing for \"m\": \"input\" must be a number of at least 0, not -1");
  EXPECT_EQ(error_of(R"({"m": {"input": 1}})"),
            "pricing for \"m\" lacks \"output\" (USD per million tokens)");
  EXPECT_EQ(error_of(R"({"m": 5})"),
            "pricing for \"m\" must be an object with input, output, cache_write and cache_read "
            "(USD per million tokens)");
  EXPECT_EQ(error_of(R"({"m": {"input": 1, "output": 1, "cache_wirte": 1, "cache_read": 1}})"),
            "pricing for \"m\": unknown key \"cache_wirte\" (did you mean \"cache_write\"?) "
            "(expected input, output, cache_write, cache_write_1h, cache_read, long_context, "
            "context_window)");
  EXPECT_EQ(error_of(R"({"m": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1,
                              "context_window": 0}})"),
            "pricing for \"m\": \"context_window\" must be a whole number of tokens of at least "
            "1, not 0");
  EXPECT_EQ(error_of(R"({"m": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1,
                              "cache_write_1h": "2"}})"),
            "pricing for \"m\": \"cache_write_1h\" must be a number of at least 0, not \"2\"");
  EXPECT_EQ(error_of(R"({"m": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1,
                              "long_context": 3}})"),
            "pricing for \"m\": \"long_context\" must be an object with above_tokens and the "
            "prices of a turn past it");
  EXPECT_EQ(error_of(R"({"m": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1,
                              "long_context": {"input": 1}}})"),
            "pricing for \"m\": \"long_context\": \"above_tokens\" must be a whole number of "
            "tokens of at least 1 (it is missing)");
  EXPECT_EQ(error_of(R"({"m": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1,
                              "long_context": {"above_tokens": 1.5}}})"),
            "pricing for \"m\": \"long_context\": \"above_tokens\" must be a whole number of "
            "tokens of at least 1, not 1.5");
  EXPECT_EQ(error_of(R"({"m": {"input": 1, "output": 1, "cache_write": 1, "cache_read": 1,
                              "long_context": {"above_tokens": 10, "input": 1}}})"),
            "pricing for \"m\": \"long_context\" lacks \"output\" (USD per million tokens)");
}

TEST(PricingTest, SourcesHaveTheirNames) {
  EXPECT_EQ(price_source_name(PriceSource::kExact), "exact");
  EXPECT_EQ(price_source_name(PriceSource::kAlias), "alias");
  EXPECT_EQ(price_source_name(PriceSource::kRename), "rename");
  EXPECT_EQ(price_source_name(PriceSource::kPrefix), "prefix");
  EXPECT_EQ(price_source_name(PriceSource::kFamilyFallback), "family fallback");
  EXPECT_EQ(price_source_name(PriceSource::kUnknown), "unknown");
}

}  // namespace
}  // namespace ralph::meter
