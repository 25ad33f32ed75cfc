// The model ladder's decisions: where an item starts, when it escalates, and why.
#include "loop/model_ladder.hpp"

#include <gtest/gtest.h>

namespace ralph::loop {
namespace {

const std::vector<std::string> kLadder = {"claude-haiku-5-5", "claude-sonnet-5-5",
                                          "claude-opus-5-5"};

plan::PlanItem item(const std::string& id, std::optional<std::string> model = std::nullopt) {
  plan::PlanItem out;
  out.id = id;
  out.title = "Item " + id;
  out.model = std::move(model);
  return out;
}

LadderOptions ladder_options(std::vector<std::string> models = kLadder) {
  LadderOptions options;
  options.models = std::move(models);
  options.escalate_after = 2;
  return options;
}

// The record of an iteration on `choice`'s rung, as the runner writes it.
meter::IterationRecord record_of(const std::string& id, const ModelChoice& choice,
                                 bool completed = false, std::string outcome = "success") {
  meter::IterationRecord record;
  record.item_id = id;
  record.tier = choice.tier;
  record.escalated_from = choice.escalated_from;
  record.model_reason = choice.reason;
  record.outcome = std::move(outcome);
  record.usage.input_tokens = 1000;
  record.usage.output_tokens = 500;
  if (completed) record.items_completed = {id};
  return record;
}

class ModelLadderTest : public ::testing::Test {
 protected:
  meter::PricingTable pricing_ = meter::PricingTable::builtin();
};

TEST_F(ModelLadderTest, NoLadderKeepsTheItemsModelOrTheRunsModel) {
  LadderOptions options;
  options.model = "sonnet";
  ModelLadder ladder(options, pricing_, nullptr);
  EXPECT_FALSE(ladder.active());
  ModelChoice named = ladder.choose(item("US-1", "opus"));
  EXPECT_EQ(named.model, "opus");
  EXPECT_FALSE(named.tier);
  EXPECT_EQ(named.reason, "prd.json names it for US-1");
  EXPECT_TRUE(named.note.empty());
  ModelChoice plain = ladder.choose(item("US-2"));
  EXPECT_EQ(plain.model, "sonnet");
  EXPECT_EQ(plain.reason, "\"model\" in the run settings");
  EXPECT_EQ(ModelLadder(LadderOptions{}, pricing_, nullptr).choose(item("US-2")).reason,
            "the agent's default model");
}

TEST_F(ModelLadderTest, AnItemStartsOnTheLowestRungAndEscalatesAfterTwoFailures) {
  ModelLadder ladder(ladder_options(), pricing_, nullptr);
  ModelChoice first = ladder.choose(item("US-1"));
  EXPECT_EQ(first.model, "claude-haiku-5-5");
  EXPECT_EQ(first.tier, 0);
  EXPECT_FALSE(first.escalates);
  EXPECT_FALSE(first.escalated_from);
  EXPECT_EQ(first.reason, "the ladder's lowest rung (start_tier \"lowest\")");
  ladder.count("US-1", record_of("US-1", first, false, "agent_error"), true);
  EXPECT_EQ(ladder.choose(item("US-1")).tier, 0);  // one failure is not enough
  ladder.count("US-1", record_of("US-1", first), true);
  ModelChoice third = ladder.choose(item("US-1"));
  EXPECT_EQ(third.model, "claude-sonnet-5-5");
  EXPECT_EQ(third.tier, 1);
  EXPECT_TRUE(third.escalates);
  EXPECT_EQ(third.escalated_from, "claude-haiku-5-5");
  EXPECT_EQ(third.reason, "escalated from claude-haiku-5-5 after 2 iterations without progress");
  EXPECT_EQ(third.note,
            "claude-sonnet-5-5, escalated from claude-haiku-5-5 after 2 iterations without "
            "progress");
  // On the new rung: the same reason, no second escalation until two more failures.
  ladder.count("US-1", record_of("US-1", third), true);
  ModelChoice fourth = ladder.choose(item("US-1"));
  EXPECT_EQ(fourth.tier, 1);
  EXPECT_FALSE(fourth.escalates);
  EXPECT_EQ(fourth.escalated_from, "claude-haiku-5-5");
  ladder.count("US-1", record_of("US-1", fourth), true);
  EXPECT_EQ(ladder.choose(item("US-1")).model, "claude-opus-5-5");
}

TEST_F(ModelLadderTest, ProgressIsNoFailureAndTheTopStaysTheTop) {
  ModelLadder ladder(ladder_options({"claude-haiku-5-5", "claude-sonnet-5-5"}), pricing_, nullptr);
  ModelChoice choice = ladder.choose(item("US-1"));
  for (int i = 0; i < 3; ++i) ladder.count("US-1", record_of("US-1", choice), false);
  EXPECT_EQ(ladder.choose(item("US-1")).tier, 0);
  ladder.count("US-1", record_of("US-1", choice), true);
  ladder.count("US-1", record_of("US-1", choice), true);
  choice = ladder.choose(item("US-1"));
  ASSERT_EQ(choice.tier, 1);
  ladder.count("US-1", record_of("US-1", choice), true);
  ladder.count("US-1", record_of("US-1", choice), true);
  ModelChoice top = ladder.choose(item("US-1"));
  EXPECT_EQ(top.tier, 1);
  EXPECT_FALSE(top.escalates);
  EXPECT_NE(top.reason.find("the ladder's top, after 2 iterations without progress"),
            std::string::npos);
}

TEST_F(ModelLadderTest, EachItemHasItsOwnRung) {
  ModelLadder ladder(ladder_options(), pricing_, nullptr);
  ModelChoice a = ladder.choose(item("US-1"));
  ladder.count("US-1", record_of("US-1", a), true);
  ladder.count("US-1", record_of("US-1", a), true);
  EXPECT_EQ(ladder.choose(item("US-1")).tier, 1);
  EXPECT_EQ(ladder.choose(item("US-2")).tier, 0);
}

TEST_F(ModelLadderTest, APrdModelOnTheLadderIsWhereTheItemStarts) {
  ModelLadder ladder(ladder_options(), pricing_, nullptr);
  ModelChoice named = ladder.choose(item("US-1", "claude-sonnet-5-5"));
  EXPECT_EQ(named.tier, 1);
  EXPECT_EQ(named.model, "claude-sonnet-5-5");
  EXPECT_EQ(named.reason, "prd.json names claude-sonnet-5-5 for US-1");
  // An alias of a model on the ladder is on the ladder.
  EXPECT_EQ(ladder.choose(item("US-2", "opus")).tier, 2);
  ladder.count("US-1", record_of("US-1", named), true);
  ladder.count("US-1", record_of("US-1", named), true);
  EXPECT_EQ(ladder.choose(item("US-1", "claude-sonnet-5-5")).model, "claude-opus-5-5");
}

TEST_F(ModelLadderTest, APrdModelOffTheLadderIsUsedAlone) {
  ModelLadder ladder(ladder_options(), pricing_, nullptr);
  ModelChoice alone = ladder.choose(item("US-1", "claude-fable-5-2"));
  EXPECT_EQ(alone.model, "claude-fable-5-2");
  EXPECT_FALSE(alone.tier);
  EXPECT_NE(alone.reason.find("not on the ladder"), std::string::npos);
  ladder.count("US-1", record_of("US-1", alone), true);
  ladder.count("US-1", record_of("US-1", alone), true);
  ModelChoice again = ladder.choose(item("US-1", "claude-fable-5-2"));
  EXPECT_EQ(again.model, "claude-fable-5-2");
  EXPECT_FALSE(again.escalates);
}

TEST_F(ModelLadderTest, AutoStartTakesTheEstimatedRung) {
  LadderOptions options = ladder_options();
  options.auto_start = true;
  ModelLadder ladder(options, pricing_, [](const plan::PlanItem& it) {
    plan::StartTier tier;
    tier.tier = it.id == "US-9" ? 2 : 0;
    tier.level = it.id == "US-9" ? plan::Complexity::kHigh : plan::Complexity::kLow;
    tier.reason = "estimated " + plan::complexity_name(tier.level);
    return tier;
  });
  ModelChoice hard = ladder.choose(item("US-9"));
  EXPECT_EQ(hard.tier, 2);
  EXPECT_EQ(hard.model, "claude-opus-5-5");
  EXPECT_EQ(hard.complexity, "high");
  EXPECT_EQ(hard.reason, "start_tier \"auto\": estimated high");
  EXPECT_EQ(ladder.choose(item("US-1")).tier, 0);
}

TEST_F(ModelLadderTest, ForcedModelOverridesEverything) {
  LadderOptions options = ladder_options();
  options.model = "claude-opus-5-5";
  options.model_forced = true;
  ModelLadder ladder(options, pricing_, nullptr);
  ModelChoice forced = ladder.choose(item("US-1", "haiku"));
  EXPECT_EQ(forced.model, "claude-opus-5-5");
  EXPECT_EQ(forced.tier, 2);
  EXPECT_EQ(forced.reason, "--model forces it for every iteration");
  ladder.count("US-1", record_of("US-1", forced), true);
  ladder.count("US-1", record_of("US-1", forced), true);
  EXPECT_FALSE(ladder.choose(item("US-1")).escalates);
  // Without a ladder the flag is what it always was: the model of items that name none.
  LadderOptions plain;
  plain.model = "sonnet";
  plain.model_forced = true;
  ModelLadder none(plain, pricing_, nullptr);
  EXPECT_EQ(none.choose(item("US-1", "haiku")).model, "haiku");
  EXPECT_EQ(none.choose(item("US-2")).model, "sonnet");
}

TEST_F(ModelLadderTest, AResumedRunContinuesFromItsRecords) {
  ModelLadder before(ladder_options(), pricing_, nullptr);
  ModelChoice first = before.choose(item("US-1"));
  before.count("US-1", record_of("US-1", first), true);
  before.count("US-1", record_of("US-1", first), true);
  ModelChoice escalated = before.choose(item("US-1"));
  // A new ralph reads the same three records back.
  ModelLadder after(ladder_options(), pricing_, nullptr);
  after.count("US-1", record_of("US-1", first), true);
  after.count("US-1", record_of("US-1", first), true);
  after.count("US-1", record_of("US-1", escalated), true);
  ModelChoice next = after.choose(item("US-1"));
  EXPECT_EQ(next.tier, 1);
  EXPECT_EQ(next.escalated_from, "claude-haiku-5-5");
  EXPECT_FALSE(next.escalates);
  ASSERT_TRUE(after.last_usage("US-1"));
  EXPECT_EQ(after.last_usage("US-1")->output_tokens, 500);
  EXPECT_FALSE(after.last_usage("US-2"));
}

TEST(WithoutProgressTest, WhatCountsAsNoProgress) {
  meter::IterationRecord record;
  record.item_id = "US-1";
  record.outcome = "success";
  record.progress = true;
  EXPECT_FALSE(without_progress(record));
  record.progress = false;
  EXPECT_TRUE(without_progress(record));
  record.progress = true;
  for (const char* outcome : {"agent_error", "timeout", "budget", "rejected", "anomaly"}) {
    record.outcome = outcome;
    EXPECT_TRUE(without_progress(record)) << outcome;
  }
  record.items_completed = {"US-1"};
  EXPECT_FALSE(without_progress(record));
  // A record of an older version: its commit says whether it changed files.
  meter::IterationRecord old;
  old.item_id = "US-1";
  old.outcome = "success";
  EXPECT_TRUE(without_progress(old));
  old.commit = "abc";
  EXPECT_FALSE(without_progress(old));
}

TEST_F(ModelLadderTest, AResumeAfterTheLadderChangedFindsTheRungByModel) {
  ModelLadder before(ladder_options(), pricing_, nullptr);
  ModelChoice first = before.choose(item("US-1"));
  meter::IterationRecord on_opus = record_of("US-1", first);
  on_opus.tier = 2;
  on_opus.model = "claude-opus-5-5";
  // Reordered: opus is now the second rung.
  ModelLadder reordered(ladder_options({"claude-haiku-5-5", "claude-opus-5-5"}), pricing_, nullptr);
  reordered.count("US-1", on_opus, true);
  EXPECT_EQ(reordered.choose(item("US-1")).tier, 1);
  // Shortened below the record's rung, and its model gone: the record is not counted.
  ModelLadder shorter(ladder_options({"claude-haiku-5-5", "claude-sonnet-5-5"}), pricing_, nullptr);
  shorter.count("US-1", on_opus, true);
  ModelChoice next = shorter.choose(item("US-1"));
  EXPECT_EQ(next.tier, 0);
  EXPECT_EQ(next.model, "claude-haiku-5-5");
}

}  // namespace
}  // namespace ralph::loop
