#include "report/insights.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>

namespace ralph::report {
namespace {

const meter::PricingTable& table() {
  static const meter::PricingTable pricing = meter::PricingTable::builtin();
  return pricing;
}

// What `usage` costs at `model`'s standard prices, computed here from the table's prices.
double at(const std::string& model, const meter::Usage& u) {
  const meter::TokenPrices& p = table().price_for(model).standard;
  return (static_cast<double>(u.input_tokens) * p.input +
          static_cast<double>(u.output_tokens) * p.output +
          static_cast<double>(u.cache_creation_input_tokens) * p.cache_write +
          static_cast<double>(u.cache_read_input_tokens) * p.cache_read) /
         1e6;
}

// Hits the cache well (90%) unless given other usage; completes `item` when `done`.
meter::IterationRecord record(int iteration, std::optional<std::string> item, double cost,
                              bool done, const std::string& model = "claude-sonnet-5-5") {
  meter::IterationRecord r;
  r.run_id = "20261124-073657-b45f";
  r.iteration = iteration;
  r.item_id = item;
  r.model = model;
  r.usage = {1'000, 2'000, 9'000, 90'000};
  r.cost_usd = cost;
  r.cost_source = "agent";
  r.outcome = "success";
  if (done && item) r.items_completed = {*item};
  // One minute per iteration, back to back.
  r.started_at = fmt::format("2026-11-24T10:{:02}:00.000Z", iteration);
  r.ended_at = fmt::format("2026-11-24T10:{:02}:50.000Z", iteration);
  r.prompt_digest = "p1";
  r.claude_md_digest = "c1";
  return r;
}

const std::vector<std::string> kLadder = {"haiku", "sonnet", "opus"};

TEST(InsightsTest, WastePerItemAndInTotal) {
  std::vector<meter::IterationRecord> records = {
      record(1, "G-1", 0.5, false),         record(2, "G-1", 0.3, true),
      record(3, "G-2", 0.2, false),         record(4, "G-2", 0.1, false),
      record(5, std::nullopt, 0.05, false),
  };
  Insights in = compute_insights(records, table(), {});
  EXPECT_EQ(in.iterations, 5);
  EXPECT_DOUBLE_EQ(in.cost_usd, 1.15);
  EXPECT_EQ(in.waste.iterations, 4);
  EXPECT_DOUBLE_EQ(in.waste.cost_usd, 0.5 + 0.2 + 0.1 + 0.05);
  EXPECT_DOUBLE_EQ(in.waste.share, (0.5 + 0.2 + 0.1 + 0.05) / 1.15);
  EXPECT_DOUBLE_EQ(in.could_have_saved_usd(), in.waste.cost_usd);
  ASSERT_EQ(in.waste.items.size(), 3u);  // dearest first
  EXPECT_EQ(in.waste.items[0].item_id, "G-1");
  EXPECT_EQ(in.waste.items[0].iterations, 1);
  EXPECT_DOUBLE_EQ(in.waste.items[0].cost_usd, 0.5);
  EXPECT_EQ(in.waste.items[1].item_id, "G-2");
  EXPECT_EQ(in.waste.items[1].iterations, 2);
  EXPECT_DOUBLE_EQ(in.waste.items[1].cost_usd, 0.2 + 0.1);
  EXPECT_EQ(in.waste.items[2].item_id, std::nullopt);
  EXPECT_EQ(in.waste.items[2].iterations, 1);
  EXPECT_DOUBLE_EQ(in.waste.items[2].cost_usd, 0.05);

  nlohmann::json j = to_json(in);
  EXPECT_DOUBLE_EQ(j["could_have_saved_usd"].get<double>(), in.waste.cost_usd);
  EXPECT_EQ(j["waste"]["iterations"], 4);
  EXPECT_EQ(j["waste"]["items"][0]["item_id"], "G-1");
  EXPECT_TRUE(j["waste"]["items"][2]["item_id"].is_null());
  EXPECT_EQ(j["waste"]["items"][1]["iterations"], 2);
}

TEST(InsightsTest, WhatIfRepricesTheSameTokensOnTheLadder) {
  auto a = record(1, "G-1", 0.4, true);
  auto b = record(2, "G-2", 0.6, true, "claude-opus-5-5");
  b.usage = {2'000, 3'000, 10'000, 50'000};
  // Per-model entries: 40k cache reads are haiku's (a subagent), the rest is the record's model.
  b.models["claude-haiku-5-5"] = {{0, 500, 0, 40'000}, 0.01};
  b.models["claude-opus-5-5"] = {{2'000, 2'500, 10'000, 10'000}, 0.59};
  Insights in = compute_insights({a, b}, table(), kLadder);

  meter::Usage tokens = a.usage;
  tokens += b.usage;  // the entries add up to the record's usage
  ASSERT_TRUE(in.what_if.from_ladder);
  EXPECT_DOUBLE_EQ(in.what_if.actual_usd, 1.0);
  ASSERT_EQ(in.what_if.models.size(), 3u);
  const char* priced_as[] = {"claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"};
  for (size_t i = 0; i < 3; ++i) {
    const WhatIfModel& m = in.what_if.models[i];
    EXPECT_EQ(m.model, kLadder[i]);
    EXPECT_EQ(m.priced_as, priced_as[i]);
    EXPECT_NEAR(m.cost_usd, at(priced_as[i], tokens), 1e-12) << m.model;
    EXPECT_NEAR(m.difference_usd, m.cost_usd - 1.0, 1e-12);
    EXPECT_TRUE(m.used) << m.model;  // haiku through b's per-model entries
  }
  // Spelled out for sonnet ($2 / $10 / $2.50 / $0.10): 3k input, 5k output, 19k writes, 140k
  // reads.
  EXPECT_NEAR(in.what_if.models[1].cost_usd,
              (3'000 * 2 + 5'000 * 10 + 19'000 * 2.5 + 140'000 * 0.1) / 1e6, 1e-12);

  nlohmann::json j = to_json(in)["what_if"];
  EXPECT_EQ(j["estimate"], true);
  EXPECT_EQ(j["basis"], "ladder");
  EXPECT_DOUBLE_EQ(j["actual_usd"].get<double>(), 1.0);
  EXPECT_EQ(j["models"][0]["model"], "haiku");
  EXPECT_EQ(j["models"][0]["priced_as"], "claude-haiku-5-5");
  for (const char* key : {"cost_usd", "difference_usd", "used"}) {
    EXPECT_TRUE(j["models"][0].contains(key)) << key;
  }
}

TEST(InsightsTest, UsageNotCoveredByPerModelEntriesIsPricedToo) {
  auto r = record(1, "G-1", 0.2, true, "claude-opus-5-5");
  r.usage = {1'000, 1'000, 1'000, 1'000};
  r.models["claude-haiku-5-5"] = {{400, 400, 400, 400}, 0.001};  // 600 of each under opus
  Insights in = compute_insights({r}, table(), {"opus"});
  ASSERT_EQ(in.what_if.models.size(), 1u);
  EXPECT_NEAR(in.what_if.models[0].cost_usd, at("claude-opus-5-5", r.usage), 1e-12);
}

TEST(InsightsTest, WhatIfWithoutALadderUsesTheModelsUsedAndTheAliases) {
  auto a = record(1, "G-1", 0.4, true, "claude-sonnet-4-5");
  auto b = record(2, "G-2", 0.6, true, "sonnet");  // the alias of claude-sonnet-5-5
  Insights in = compute_insights({a, b}, table(), {});
  meter::Usage tokens = a.usage;
  tokens += b.usage;
  EXPECT_FALSE(in.what_if.from_ladder);
  // claude-sonnet-4-5 and claude-sonnet-5-5 (used), claude-haiku-5-5 and claude-opus-5-5; the
  // sonnet alias only once. Cheapest first.
  std::vector<std::string> expected = {"claude-sonnet-4-5", "claude-sonnet-5-5", "claude-haiku-5-5",
                                       "claude-opus-5-5"};
  std::sort(expected.begin(), expected.end(), [&](const std::string& x, const std::string& y) {
    return at(x, tokens) < at(y, tokens);
  });
  ASSERT_EQ(in.what_if.models.size(), 4u);
  for (size_t i = 0; i < expected.size(); ++i) {
    const WhatIfModel& m = in.what_if.models[i];
    EXPECT_EQ(m.model, expected[i]);
    EXPECT_NEAR(m.cost_usd, at(expected[i], tokens), 1e-12);
    EXPECT_NEAR(m.difference_usd, m.cost_usd - 1.0, 1e-12);
    EXPECT_EQ(m.used, m.model == "claude-sonnet-4-5" || m.model == "claude-sonnet-5-5");
  }
  EXPECT_EQ(to_json(in)["what_if"]["basis"], "models_used");
}

TEST(InsightsTest, StartLowerOnItemsCompletedAtTheFirstTryAboveTier0) {
  auto first_try = record(1, "G-3", 0.9, true, "claude-opus-5-5");
  first_try.tier = 2;
  first_try.model_reason = "start_tier auto: complexity high";
  auto retried_a = record(2, "G-4", 0.2, false, "claude-sonnet-5-5");
  retried_a.tier = 1;
  auto retried_b = record(3, "G-4", 0.3, true, "claude-sonnet-5-5");
  retried_b.tier = 1;
  auto lowest = record(4, "G-5", 0.01, true, "claude-haiku-5-5");
  lowest.tier = 0;
  auto no_tier = record(5, "G-6", 0.3, true);
  std::vector<meter::IterationRecord> records = {first_try, retried_a, retried_b, lowest, no_tier};

  Insights in = compute_insights(records, table(), kLadder);
  EXPECT_EQ(in.start_lower.lowest_model, "haiku");
  ASSERT_EQ(in.start_lower.items.size(), 1u);
  const StartLowerItem& item = in.start_lower.items[0];
  EXPECT_EQ(item.item_id, "G-3");
  EXPECT_EQ(item.iteration, 1);
  EXPECT_EQ(item.model, "claude-opus-5-5");
  EXPECT_EQ(item.tier, 2);
  EXPECT_EQ(item.model_reason, "start_tier auto: complexity high");
  double repriced = at("claude-haiku-5-5", first_try.usage);
  EXPECT_DOUBLE_EQ(item.cost_usd, 0.9);
  EXPECT_NEAR(item.repriced_usd, repriced, 1e-12);
  EXPECT_NEAR(item.saving_usd, 0.9 - repriced, 1e-12);
  EXPECT_NEAR(in.start_lower.saving_usd, 0.9 - repriced, 1e-12);
  EXPECT_DOUBLE_EQ(in.start_lower.cost_usd, 0.9);
  // Savings are estimates: not in the figure that could surely have been saved.
  EXPECT_DOUBLE_EQ(in.could_have_saved_usd(), 0.2);

  nlohmann::json j = to_json(in)["start_lower"];
  EXPECT_EQ(j["estimate"], true);
  EXPECT_EQ(j["lowest_model"], "haiku");
  for (const char* key : {"item_id", "run_id", "iteration", "model", "tier", "model_reason",
                          "cost_usd", "repriced_usd", "saving_usd"}) {
    EXPECT_TRUE(j["items"][0].contains(key)) << key;
  }
  // No ladder: nothing to start lower on.
  Insights without = compute_insights(records, table(), {});
  EXPECT_TRUE(without.start_lower.items.empty());
  EXPECT_TRUE(to_json(without)["start_lower"]["lowest_model"].is_null());
  EXPECT_NE(insights_text(without).find("start lower: none (no model ladder"), std::string::npos);
}

TEST(InsightsTest, EachCacheCause) {
  const meter::Usage cold = {5'000, 2'000, 60'000, 10'000};  // 13% from the cache
  std::vector<meter::IterationRecord> records;
  for (int i = 1; i <= 8; ++i) {
    records.push_back(record(i, "G-1", 0.1, false));
    records.back().usage = cold;
  }
  // 2: started 10 minutes after 1 ended.
  records[1].started_at = "2026-11-24T10:11:50.000Z";
  records[1].ended_at = "2026-11-24T10:12:30.000Z";
  records[2].started_at = "2026-11-24T10:13:00.000Z";
  records[2].prompt_digest = "p2";  // 3: PROMPT.md changed
  for (size_t i = 3; i < 8; ++i) records[i].prompt_digest = "p2";
  records[3].claude_md_digest = "c2";  // 4: CLAUDE.md changed
  records[4].prompt_digest = "p3";     // 5: both
  records[4].claude_md_digest = "c3";
  for (size_t i = 5; i < 8; ++i) {
    records[i].prompt_digest = "p3";
    records[i].claude_md_digest = "c3";
  }
  records[5].model = "claude-opus-5-5";  // 6: escalated
  records[5].escalated_from = "claude-sonnet-5-5";
  records[6].model = "claude-opus-5-5";  // 7: nothing explains it
  records[7].model = "claude-opus-5-5";
  records[7].usage = {100, 2'000, 1'000, 90'000};  // 8: a warm cache

  Insights in = compute_insights(records, table(), {});
  ASSERT_EQ(in.cache.iterations.size(), 7u);
  const CacheCause expected[] = {CacheCause::kFirstIteration, CacheCause::kExpired,
                                 CacheCause::kPromptChanged,  CacheCause::kClaudeMdChanged,
                                 CacheCause::kBothChanged,    CacheCause::kModelChanged,
                                 CacheCause::kUnknown};
  double excess_total = 0;
  for (size_t i = 0; i < 7; ++i) {
    const CacheMiss& miss = in.cache.iterations[i];
    EXPECT_EQ(miss.iteration, static_cast<int>(i) + 1);
    EXPECT_EQ(miss.cause, expected[i]) << i;
    EXPECT_DOUBLE_EQ(miss.cache_hit_ratio, cold.cache_hit_ratio());
    const meter::TokenPrices& p = table().price_for(records[i].model).standard;
    double excess =
        (60'000 * (p.cache_write - p.cache_read) + 5'000 * (p.input - p.cache_read)) / 1e6;
    EXPECT_NEAR(miss.excess_usd, excess, 1e-12) << i;
    excess_total += excess;
  }
  EXPECT_NEAR(in.cache.excess_usd, excess_total, 1e-12);
  // Sonnet, spelled out: 60k writes at $2.50 - $0.10, 5k input at $2 - $0.10.
  EXPECT_NEAR(in.cache.iterations[0].excess_usd, (60'000 * 2.4 + 5'000 * 1.9) / 1e6, 1e-12);
  EXPECT_NE(in.cache.iterations[1].detail.find("10m after the previous iteration ended"),
            std::string::npos)
      << in.cache.iterations[1].detail;
  EXPECT_EQ(in.cache.iterations[2].detail, "PROMPT.md changed since the previous iteration");
  EXPECT_EQ(in.cache.iterations[3].detail, "CLAUDE.md changed since the previous iteration");
  EXPECT_EQ(in.cache.iterations[4].detail,
            "PROMPT.md and CLAUDE.md changed since the previous iteration");
  EXPECT_NE(in.cache.iterations[5].detail.find("(escalated)"), std::string::npos);

  nlohmann::json j = to_json(in)["cache"];
  EXPECT_DOUBLE_EQ(j["threshold"].get<double>(), 0.5);
  const char* keys[] = {"first_iteration",
                        "cache_expired",
                        "prompt_changed",
                        "claude_md_changed",
                        "prompt_and_claude_md_changed",
                        "model_changed",
                        "unknown"};
  for (size_t i = 0; i < 7; ++i) EXPECT_EQ(j["iterations"][i]["cause"], keys[i]);
  for (const char* key : {"run_id", "iteration", "item_id", "model", "cache_hit_ratio", "cause",
                          "detail", "excess_usd", "cost_usd"}) {
    EXPECT_TRUE(j["iterations"][0].contains(key)) << key;
  }
}

TEST(InsightsTest, CacheCausesLookAtThePreviousIterationOfTheSameRun) {
  const meter::Usage cold = {5'000, 0, 60'000, 0};
  auto a = record(1, "G-1", 0.1, true);
  auto b = record(1, "G-2", 0.1, false);  // another run's first, between a's run's iterations
  b.run_id = "20261125-000000-ffff";
  b.usage = cold;
  auto nothing_read = record(2, "G-1", 0, false);  // read nothing: not a miss, still previous
  nothing_read.run_id = b.run_id;
  nothing_read.usage = {};
  auto c = record(3, "G-1", 0.1, false);
  c.run_id = b.run_id;
  c.usage = cold;
  auto d = record(7, "G-9", 0.1, false);  // its run's iteration 6 is not in the selection
  d.run_id = "20261126-000000-eeee";
  d.usage = cold;
  Insights in = compute_insights({a, b, nothing_read, c, d}, table(), {});
  ASSERT_EQ(in.cache.iterations.size(), 3u);
  EXPECT_EQ(in.cache.iterations[0].cause, CacheCause::kFirstIteration);
  // c follows nothing_read of its run back to back, same files, same model.
  EXPECT_EQ(in.cache.iterations[1].iteration, 3);
  EXPECT_EQ(in.cache.iterations[1].cause, CacheCause::kUnknown);
  EXPECT_EQ(in.cache.iterations[1].detail, "unknown");
  EXPECT_EQ(in.cache.iterations[2].cause, CacheCause::kUnknown);
  EXPECT_EQ(in.cache.iterations[2].detail,
            "unknown: the previous iteration is not in the selection");
  // Several runs: iterations are named with their run.
  EXPECT_NE(insights_text(in).find("20261125-000000-ffff#3"), std::string::npos);
  EXPECT_NE(insights_text(in).find("insights: 3 runs, 5 iterations"), std::string::npos);
}

TEST(InsightsTest, RecordsWithoutDigestsBlameNoFile) {
  const meter::Usage cold = {5'000, 0, 60'000, 0};
  auto a = record(1, "G-1", 0.1, false);
  auto recovered = record(2, "G-1", 0.1, false);  // rebuilt after a crash: no digests
  recovered.prompt_digest.reset();
  recovered.claude_md_digest.reset();
  recovered.usage = cold;
  auto b = record(3, "G-1", 0.1, false);
  b.usage = cold;
  auto created = record(4, "G-1", 0.1, false);  // the agent wrote a CLAUDE.md
  created.claude_md_digest.reset();
  auto after = record(5, "G-1", 0.1, false);
  after.usage = cold;
  Insights in = compute_insights({a, recovered, b, created, after}, table(), {});
  ASSERT_EQ(in.cache.iterations.size(), 3u);
  EXPECT_EQ(in.cache.iterations[0].cause, CacheCause::kUnknown);  // the recovered one
  EXPECT_EQ(in.cache.iterations[1].cause, CacheCause::kUnknown);  // after it
  EXPECT_EQ(in.cache.iterations[2].cause, CacheCause::kClaudeMdChanged);
}

TEST(InsightsTest, AModelNobodyNamedIsNoWhatIfRow) {
  auto r = record(1, "G-1", 0.1, true);
  r.model = "";  // the agent never started
  r.models.clear();
  Insights in = compute_insights({r}, table(), {});
  for (const auto& m : in.what_if.models) EXPECT_FALSE(m.model.empty());
  EXPECT_EQ(in.what_if.models.size(), 3u);  // haiku, sonnet, opus
}

TEST(InsightsTest, ContextItemsPassedTheThresholdOrCompacted) {
  auto a1 = record(1, "G-1", 0.3, false);
  a1.peak_context_fraction = 0.85;
  auto a2 = record(2, "G-1", 0.2, true);
  a2.peak_context_fraction = 0.6;
  a2.compactions = 1;
  auto b = record(3, "G-2", 0.1, true);  // compacted, no window known
  b.compactions = 2;
  auto c = record(4, "G-3", 0.4, true);
  c.peak_context_fraction = 0.8;  // not past 80%
  Insights in = compute_insights({a1, a2, b, c}, table(), {});
  ASSERT_EQ(in.context.items.size(), 2u);
  EXPECT_EQ(in.context.items[0].item_id, "G-1");
  EXPECT_EQ(in.context.items[0].iterations, 2);
  EXPECT_DOUBLE_EQ(*in.context.items[0].peak_context_fraction, 0.85);
  EXPECT_EQ(in.context.items[0].compactions, 1);
  EXPECT_DOUBLE_EQ(in.context.items[0].cost_usd, 0.5);
  EXPECT_EQ(in.context.items[1].item_id, "G-2");
  EXPECT_FALSE(in.context.items[1].peak_context_fraction);
  EXPECT_EQ(in.context.items[1].compactions, 2);
  EXPECT_DOUBLE_EQ(in.context.cost_usd, 0.6);

  nlohmann::json j = to_json(in)["context"];
  EXPECT_DOUBLE_EQ(j["threshold"].get<double>(), 0.8);
  EXPECT_TRUE(j["suggestion"].is_string());
  EXPECT_TRUE(j["items"][1]["peak_context_fraction"].is_null());
  for (const char* key :
       {"item_id", "iterations", "peak_context_fraction", "compactions", "cost_usd"}) {
    EXPECT_TRUE(j["items"][0].contains(key)) << key;
  }
  std::string text = insights_text(in);
  EXPECT_NE(text.find("split them into smaller items"), std::string::npos) << text;
  EXPECT_NE(text.find("85%"), std::string::npos) << text;
}

TEST(InsightsTest, Anomalies) {
  auto a = record(1, "G-1", 0.1, true);
  auto b = record(2, "G-2", 1.5, true);
  b.anomalies = {"cost 6.2x the run's median", "turns 5.0x the run's median"};
  Insights in = compute_insights({a, b}, table(), {});
  ASSERT_EQ(in.anomalies.iterations.size(), 1u);
  EXPECT_EQ(in.anomalies.iterations[0].iteration, 2);
  EXPECT_EQ(in.anomalies.iterations[0].item_id, "G-2");
  EXPECT_EQ(in.anomalies.iterations[0].anomalies, b.anomalies);
  EXPECT_DOUBLE_EQ(in.anomalies.cost_usd, 1.5);
  nlohmann::json j = to_json(in)["anomalies"];
  EXPECT_DOUBLE_EQ(j["cost_usd"].get<double>(), 1.5);
  EXPECT_EQ(j["iterations"][0]["anomalies"][1], "turns 5.0x the run's median");
  EXPECT_NE(insights_text(in).find("cost 6.2x the run's median; turns 5.0x the run's median"),
            std::string::npos);
}

TEST(InsightsTest, JsonTopLevelFields) {
  Insights in = compute_insights({record(1, "G-1", 0.1, true)}, table(), kLadder);
  nlohmann::json j = to_json(in);
  for (const char* key : {"runs", "iterations", "cost_usd", "ladder", "could_have_saved_usd",
                          "waste", "what_if", "start_lower", "cache", "context", "anomalies"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j.size(), 11u);
  EXPECT_EQ(j["runs"][0], "20261124-073657-b45f");
  EXPECT_EQ(j["ladder"], nlohmann::json(kLadder));
  for (const char* key : {"iterations", "cost_usd", "share", "items"}) {
    EXPECT_TRUE(j["waste"].contains(key)) << key;
  }
}

TEST(InsightsTest, TextHasEveryInsight) {
  auto wasted = record(1, "G-1", 0.25, false);
  wasted.usage = {5'000, 1'000, 60'000, 0};
  auto done = record(2, "G-2", 0.5, true, "claude-opus-5-5");
  done.tier = 2;
  Insights in = compute_insights({wasted, done}, table(), kLadder);
  std::string text = insights_text(in);
  for (const char* line : {
           "insights: run 20261124-073657-b45f, 2 iterations, $0.7500\n",
           "waste: $0.2500 (33.3% of $0.7500) on 1 iteration that completed nothing\n",
           "what-if (estimate): the same tokens re-priced at each model of the ladder",
           "  actual  ",
           "haiku (claude-haiku-5-5)",
           "start lower (estimate): $",
           "cache: 1 iteration read less than half the input from the cache",
           "the run's first iteration: the cache starts cold",
           "context: none",
           "anomalies: none\n",
           "could have saved: $0.2500, the waste",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

TEST(InsightsTest, NothingToSayIsNone) {
  Insights in = compute_insights({}, table(), {});
  std::string text = insights_text(in);
  for (const char* line : {"waste: none", "what-if: none", "start lower: none", "cache: none",
                           "context: none", "anomalies: none"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  nlohmann::json j = to_json(in);
  EXPECT_EQ(j["iterations"], 0);
  EXPECT_DOUBLE_EQ(j["waste"]["share"].get<double>(), 0);
  EXPECT_TRUE(j["waste"]["items"].empty());
}

}  // namespace
}  // namespace ralph::report
