// What `ralph validate` and `ralph run` say about ralph.json's model ladder (README "Models").
#include "cli/model_prices.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace ralph::cli {
namespace {

class LadderWarningsTest : public ::testing::Test {
 protected:
  // The warnings of a plan folder whose ralph.json is `config`.
  std::vector<std::string> warnings(const std::string& config) {
    dir_.write("plans/prd.json",
               R"({"userStories": [{"id": "US-1", "title": "One", "passes": false}]})");
    dir_.write("plans/PROMPT.md", "Do {{item_id}}");
    dir_.write("plans/progress.txt", "");
    dir_.write("plans/ralph.json", config);
    folder_.dir = dir_.path() / "plans";
    folder_.display_dir = "plans";
    plan::Problems problems;
    auto loaded = plan::load_plan_folder(folder_, problems);
    EXPECT_TRUE(loaded) << (problems.empty() ? "" : problems.front().to_string());
    if (!loaded) return {};
    return ladder_warnings(folder_, *loaded);
  }

  testing::TempDir dir_;
  plan::PlanFolder folder_;
};

TEST_F(LadderWarningsTest, AGoodLadderAndNoLadderSayNothing) {
  EXPECT_TRUE(warnings(R"({"models": ["haiku", "sonnet", "opus"]})").empty());
  EXPECT_TRUE(warnings(R"({"model": "sonnet"})").empty());
}

TEST_F(LadderWarningsTest, NotCheapestFirst) {
  auto out = warnings(R"({"models": ["claude-opus-5-5", "claude-haiku-5-5"]})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind("plans/ralph.json: \"models\" should go cheapest first, but "
                         "claude-haiku-5-5 ($",
                         0),
            0u)
      << out[0];
}

TEST_F(LadderWarningsTest, AModelListedTwiceByAnotherName) {
  auto out = warnings(R"({"models": ["claude-sonnet-5-5", "sonnet"]})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0],
            "plans/ralph.json: \"models\" lists sonnet twice (claude-sonnet-5-5 and sonnet)");
}

TEST_F(LadderWarningsTest, AModelTheLadderLeavesUnused) {
  auto out = warnings(R"({"model": "opus", "models": ["haiku", "sonnet"]})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("\"model\" (opus) is not used while \"models\" is set"), std::string::npos);
}

}  // namespace
}  // namespace ralph::cli
