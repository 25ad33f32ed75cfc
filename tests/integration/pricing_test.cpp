// The built-in pricing table against what the real Claude Code CLI charges, model by model,
// and what `ralph validate` says of models the table does not know.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fstream>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;

json source_json(const char* relative) {
  std::ifstream in(std::filesystem::path(RALPH_SOURCE_DIR) / relative);
  return json::parse(in);
}

// A prd.json of one failing item per model, in this order.
std::string plan_of(const std::vector<std::string>& models) {
  json items = json::array();
  for (size_t i = 0; i < models.size(); ++i) {
    json item = {{"id", fmt::format("P-{:03}", i + 1)},
                 {"title", "Priced as " + models[i]},
                 {"description", "Anything."},
                 {"acceptanceCriteria", {"it costs what Claude Code says"}},
                 {"priority", i + 1},
                 {"passes", false}};
    if (!models[i].empty()) item["model"] = models[i];
    items.push_back(item);
  }
  return json{{"project", "prices"}, {"userStories", items}}.dump(2) + "\n";
}

// The name that makes the CLI charge a model's prices: the model's own, unless the CLI renames
// it (claude-opus-4-0 runs as claude-opus-5-5), then the shortest name it keeps for it.
std::string name_for(const json& table, const std::string& model) {
  if (!table["renames"].contains(model)) return model;
  std::string name;
  for (const auto& [rename, target] : table["renames"].items()) {
    if (target == model && (name.empty() || rename.size() < name.size())) name = rename;
  }
  return name;
}

TEST(PricingTest, TheMeterChargesWhatClaudeCodeChargesForEveryModelOfTheTable) {
  const json table = source_json("src/meter/pricing.json");
  // The table is of the CLI the tests run.
  ASSERT_EQ(table["probed_with"],
            source_json("tests/support/package.json")["dependencies"]["@anthropic-ai/claude-code"])
      << "re-probe the pricing table with scripts/probe-prices.sh";
  std::vector<std::string> models;
  std::vector<std::string> names;
  for (const auto& [model, entry] : table["models"].items()) {
    models.push_back(model);
    names.push_back(name_for(table, model));
    ASSERT_FALSE(names.back().empty()) << model << " cannot be reached by any name";
  }
  Harness h("price_every_model");
  h.write_plan(1);
  h.write("plans/prd.json", plan_of(names));
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run", "--max-iterations", std::to_string(models.size() + 1)});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), models.size()) << run.out;
  int tiered = 0;
  for (size_t i = 0; i < models.size(); ++i) {
    const json& r = records[i];
    SCOPED_TRACE(fmt::format("{} as {}: {}", models[i], names[i], r.dump()));
    EXPECT_EQ(r["item_id"], fmt::format("P-{:03}", i + 1));
    ASSERT_EQ(r["cost_source"], "agent");
    ASSERT_EQ(r["models"].size(), 1u);
    // Claude Code priced the iteration as that model, not as an unknown one.
    json result = h.agent_result(r["run_id"], static_cast<int>(i + 1));
    ASSERT_TRUE(result.is_object());
    const json& usage = result["modelUsage"].begin().value();
    EXPECT_EQ(usage["canonicalModel"], models[i]);
    EXPECT_EQ(usage["costBasis"], "list");
    EXPECT_EQ(usage["cacheCreationEphemeral1hInputTokens"], 21000);
    // Both turns hold every kind of token; the second is past the model's tier, if it has one.
    const json& entry = table["models"][models[i]];
    if (entry.contains("long_context")) {
      ++tiered;
      EXPECT_GT(r["peak_context_tokens"].get<int64_t>(),
                entry["long_context"]["above_tokens"].get<int64_t>());
    }
    EXPECT_NEAR(r["metered_cost_usd"].get<double>(), r["cost_usd"].get<double>(), 1e-6);
    EXPECT_GT(r["cost_usd"].get<double>(), 0.0);
  }
  EXPECT_GE(tiered, 1);
}

TEST(PricingTest, ValidateSaysWhereEachModelsPriceComesFrom) {
  Harness h("untouched");
  h.write_plan(1);
  h.write("plans/prd.json", plan_of({"", "sonnet", "claude-opus-4-9", "claude-mystery-9",
                                     "claude-sonnet-4-5-20990101", "claude-opus-4-0"}));
  CommandResult validate = h.ralph({"validate"});
  // Warnings are no problems.
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_EQ(validate.out,
            "plans: ok (6 items, 0 passing; agent claude)\n"
            "price of sonnet: alias of claude-sonnet-5-5\n"
            "price of claude-opus-4-9: family fallback (priced as the dearest opus)\n"
            "price of claude-mystery-9: unknown (priced as the dearest model)\n"
            "price of claude-sonnet-4-5-20990101: prefix of claude-sonnet-4-5\n"
            "price of claude-opus-4-0: rename of claude-opus-5-5\n"
            "price of claude-opus-5-5 (the agent's default with Claude Code 2.1.330): exact\n");
  EXPECT_EQ(validate.err,
            "ralph: warning: the pricing table has no price for \"claude-opus-4-9\": the meter "
            "prices it as the dearest opus model, so budget caps may stop iterations early. Give "
            "it a \"pricing\" entry in plans/ralph.json, or re-probe the table with "
            "scripts/probe-prices.sh if Claude Code knows it\n"
            "ralph: warning: the pricing table has no price for \"claude-mystery-9\": the meter "
            "prices it as the dearest model of the table, so budget caps may stop iterations "
            "early. Give it a \"pricing\" entry in plans/ralph.json, or re-probe the table with "
            "scripts/probe-prices.sh if Claude Code knows it\n");

  // A price in ralph.json makes the model known.
  h.write("plans/ralph.json",
          R"({"pricing": {"claude-opus-4-9": {"input": 5, "output": 25, "cache_write": 6.25,
                                              "cache_read": 0.5}}})");
  validate = h.ralph({"validate"});
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
  EXPECT_NE(validate.out.find("price of claude-opus-4-9: exact\n"), std::string::npos)
      << validate.out;
  EXPECT_EQ(validate.err.find("claude-opus-4-9"), std::string::npos) << validate.err;
  EXPECT_EQ(h.api().requests_served(), 0);
}

TEST(PricingTest, AStalePriceIsCalledOutAndItsRowsMarked) {
  Harness h("complete_one_item");
  h.add_plan(1);
  // Ten times what Claude Code charges: the table is wrong for this model on purpose.
  h.write("plans/ralph.json",
          R"({"pricing": {"claude-sonnet-5-5": {"input": 20, "output": 100, "cache_write": 25,
                                                "cache_read": 1}}})");
  h.commit_all("A stale price");
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);
  const double agent = records[0]["cost_usd"].get<double>();
  const double metered = records[0]["metered_cost_usd"].get<double>();
  EXPECT_NEAR(metered, 10 * agent, 1e-9);  // the meter's figure is the table's
  EXPECT_NE(run.out.find("ralph: warning: the pricing table looks stale for claude-sonnet-5-5: "
                         "Claude Code charged $"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("set \"pricing\": {\"claude-sonnet-5-5\": {\"input\": ..."),
            std::string::npos)
      << run.out;
  CommandResult costs = h.ralph({"costs"});
  ASSERT_EQ(costs.exit_code, 0) << costs.err;
  EXPECT_NE(costs.out.find(fmt::format("{:.4f}!", metered)), std::string::npos) << costs.out;
  EXPECT_NE(costs.out.find("! in 1 iteration, ralph's meter"), std::string::npos) << costs.out;
  // The same run with the table as it is: no warning, no mark.
  Harness fine("complete_one_item");
  fine.add_plan(1);
  CommandResult clean = fine.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(clean.exit_code, 0) << clean.out;
  EXPECT_EQ(clean.out.find("looks stale"), std::string::npos) << clean.out;
  EXPECT_EQ(fine.ralph({"costs"}).out.find('!'), std::string::npos);
}

}  // namespace
}  // namespace ralph::integration
