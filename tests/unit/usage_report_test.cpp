// `ralph usage`: responses grouped per day, week, month and session in a time zone, filtered,
// and the sessions ralph started split from the interactive ones.
#include "report/usage_report.hpp"

#include <gtest/gtest.h>

#include <date/date.h>

namespace ralph::report {
namespace {

// Milliseconds since the epoch of a UTC time of 2026.
int64_t at(unsigned month, unsigned day, int hour, int minute = 0) {
  auto t = date::sys_days{date::year{2026} / month / day} + std::chrono::hours(hour) +
           std::chrono::minutes(minute);
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class UsageReportTest : public ::testing::Test {
 protected:
  UsageReportTest() {
    scan.models = {"claude-opus-4-5", "claude-sonnet-4-5"};
    scan.sessions = {{"s-ralph", "-home-me-app", "/home/me/app", "2.1.330"},
                     {"s-me", "-home-me-blog", "/home/me/blog", "2.1.330"}};
  }
  void add(int64_t at_ms, int64_t input, int64_t output, uint32_t model, uint32_t session,
           double cost = 1) {
    meter::UsageEntry e;
    e.at_ms = at_ms;
    e.usage.input_tokens = input;
    e.usage.output_tokens = output;
    e.usage.cache_read_input_tokens = 1;
    e.cost_usd = cost;
    e.model = model;
    e.session = session;
    scan.entries.push_back(e);
  }
  budget::TimeZone zone(const std::string& name) { return *budget::TimeZone::named(name); }

  meter::UsageScan scan;
  Attribution ralph = {{"s-ralph", {"/home/me/app", "20261201-101010", 3, "US-002"}}};
};

TEST_F(UsageReportTest, DaysAreTheTimeZonesDays) {
  add(at(12, 1, 22, 30), 10, 1, 0, 0);  // 23:30 in Paris: Dec 1; in Tokyo: Dec 2
  add(at(12, 1, 23, 30), 20, 2, 1, 1);  // 00:30 Dec 2 in Paris
  add(at(12, 2, 10), 40, 4, 0, 1);
  auto utc = usage_report(scan, UsagePeriod::kDay, zone("UTC"), {}, ralph);
  ASSERT_EQ(utc.rows.size(), 2u);
  EXPECT_EQ(utc.rows[0].key, "2026-12-01");
  EXPECT_EQ(utc.rows[0].count.total_tokens(), 11 + 22 + 2);
  auto paris = usage_report(scan, UsagePeriod::kDay, zone("Europe/Paris"), {}, ralph);
  ASSERT_EQ(paris.rows.size(), 2u);
  EXPECT_EQ(paris.rows[0].count.total_tokens(), 12);
  EXPECT_EQ(paris.rows[1].key, "2026-12-02");
  EXPECT_EQ(paris.rows[1].count.total_tokens(), 23 + 45);
  // Per model under each day, by name.
  ASSERT_EQ(paris.rows[1].models.size(), 2u);
  EXPECT_EQ(paris.rows[1].models[0].model, "claude-opus-4-5");
  EXPECT_EQ(paris.rows[1].models[0].count.usage.input_tokens, 40);
  EXPECT_EQ(paris.rows[1].models[1].count.usage.input_tokens, 20);
  EXPECT_EQ(paris.total.total_tokens(), 12 + 23 + 45);
}

TEST_F(UsageReportTest, WeeksStartOnMondayAndAreNamedByIt) {
  add(at(11, 29, 12), 1, 0, 0, 1);     // Sunday
  add(at(11, 30, 0, 30), 2, 0, 0, 1);  // Monday 00:30 UTC, but Sunday 19:30 in New York
  add(at(12, 6, 23), 4, 0, 0, 1);      // Sunday
  auto utc = usage_report(scan, UsagePeriod::kWeek, zone("UTC"), {}, ralph);
  ASSERT_EQ(utc.rows.size(), 2u);
  EXPECT_EQ(utc.rows[0].key, "2026-11-23");
  EXPECT_EQ(utc.rows[0].count.usage.input_tokens, 1);
  EXPECT_EQ(utc.rows[1].key, "2026-11-30");
  EXPECT_EQ(utc.rows[1].count.usage.input_tokens, 6);
  auto ny = usage_report(scan, UsagePeriod::kWeek, zone("America/New_York"), {}, ralph);
  ASSERT_EQ(ny.rows.size(), 2u);
  EXPECT_EQ(ny.rows[0].count.usage.input_tokens, 3);
  EXPECT_EQ(ny.rows[1].count.usage.input_tokens, 4);
}

TEST_F(UsageReportTest, MonthsFollowTheZoneAcrossTheYear) {
  add(at(10, 31, 23, 30), 1, 0, 0, 1);  // Nov 1 in Paris
  add(at(11, 30, 23, 30), 2, 0, 0, 1);  // Dec 1 in Paris
  add(at(12, 31, 23, 30), 4, 0, 0, 1);  // 2027-01-01 in Paris
  auto paris = usage_report(scan, UsagePeriod::kMonth, zone("Europe/Paris"), {}, ralph);
  ASSERT_EQ(paris.rows.size(), 3u);
  EXPECT_EQ(paris.rows[0].key, "2026-11");
  EXPECT_EQ(paris.rows[1].key, "2026-12");
  EXPECT_EQ(paris.rows[2].key, "2027-01");
  auto utc = usage_report(scan, UsagePeriod::kMonth, zone("UTC"), {}, ralph);
  ASSERT_EQ(utc.rows.size(), 3u);
  EXPECT_EQ(utc.rows[0].key, "2026-10");
}

TEST_F(UsageReportTest, SessionsRalphStartedAreAttributedAndSplitFromInteractiveOnes) {
  add(at(12, 1, 9), 100, 10, 0, 0, 2.5);
  add(at(12, 1, 10), 50, 5, 1, 1, 0.5);
  add(at(12, 1, 11), 100, 10, 0, 0, 2.5);
  auto report = usage_report(scan, UsagePeriod::kSession, zone("UTC"), {}, ralph);
  ASSERT_EQ(report.rows.size(), 2u);
  // By last activity.
  EXPECT_EQ(report.rows[0].key, "s-me");
  EXPECT_FALSE(report.rows[0].ralph);
  EXPECT_EQ(report.rows[1].key, "s-ralph");
  ASSERT_TRUE(report.rows[1].ralph);
  EXPECT_EQ(report.rows[1].ralph->run_id, "20261201-101010");
  EXPECT_EQ(report.rows[1].ralph->iteration, 3);
  EXPECT_EQ(report.rows[1].project, "-home-me-app");
  EXPECT_EQ(report.ralph.total_tokens(), 222);
  EXPECT_DOUBLE_EQ(report.ralph.cost_usd, 5);
  EXPECT_EQ(report.interactive.total_tokens(), 56);
  EXPECT_EQ(report.ralph_sessions, 1);
  EXPECT_EQ(report.interactive_sessions, 1);

  nlohmann::json json = usage_json(report);
  EXPECT_EQ(json["sessions"][1]["sessionId"], "s-ralph");
  EXPECT_EQ(json["sessions"][1]["ralph"]["runId"], "20261201-101010");
  EXPECT_TRUE(json["sessions"][0]["ralph"].is_null());
  EXPECT_EQ(json["totals"]["totalTokens"], 278);
  EXPECT_EQ(json["totals"]["ralph"]["totalTokens"], 222);
  EXPECT_EQ(json["totals"]["interactive"]["sessions"], 1);
}

TEST_F(UsageReportTest, TheJsonHasCcusagesFieldNames) {
  add(at(12, 1, 9), 100, 10, 0, 1, 2.5);
  add(at(12, 1, 10), 50, 5, 1, 1, 0.5);
  nlohmann::json json = usage_json(usage_report(scan, UsagePeriod::kDay, zone("UTC"), {}, ralph));
  const nlohmann::json& day = json["daily"][0];
  EXPECT_EQ(day["date"], "2026-12-01");
  EXPECT_EQ(day["inputTokens"], 150);
  EXPECT_EQ(day["outputTokens"], 15);
  EXPECT_EQ(day["cacheCreationTokens"], 0);
  EXPECT_EQ(day["cacheReadTokens"], 2);
  EXPECT_EQ(day["totalTokens"], 167);
  EXPECT_DOUBLE_EQ(day["totalCost"].get<double>(), 3);
  EXPECT_EQ(day["modelsUsed"], nlohmann::json::array({"claude-opus-4-5", "claude-sonnet-4-5"}));
  EXPECT_EQ(day["modelBreakdowns"][1]["modelName"], "claude-sonnet-4-5");
  EXPECT_DOUBLE_EQ(day["modelBreakdowns"][1]["cost"].get<double>(), 0.5);
  EXPECT_EQ(json["totals"]["totalTokens"], 167);
  nlohmann::json weekly =
      usage_json(usage_report(scan, UsagePeriod::kWeek, zone("UTC"), {}, ralph));
  EXPECT_EQ(weekly["weekly"][0]["week"], "2026-11-30");
  nlohmann::json monthly =
      usage_json(usage_report(scan, UsagePeriod::kMonth, zone("UTC"), {}, ralph));
  EXPECT_EQ(monthly["monthly"][0]["month"], "2026-12");
}

TEST_F(UsageReportTest, SinceUntilAndProjectFilter) {
  add(at(11, 30, 12), 1, 0, 0, 0);
  add(at(12, 1, 12), 2, 0, 0, 1);
  add(at(12, 2, 12), 4, 0, 0, 0);
  auto utc = zone("UTC");
  UsageFilter filter;
  filter.since_ms = utc.day("2026-12-01")->start.time_since_epoch() / std::chrono::milliseconds(1);
  filter.until_ms = utc.day("20261201")->end.time_since_epoch() / std::chrono::milliseconds(1);
  auto report = usage_report(scan, UsagePeriod::kDay, utc, filter, ralph);
  ASSERT_EQ(report.rows.size(), 1u);
  EXPECT_EQ(report.total.usage.input_tokens, 2);

  UsageFilter app;
  app.project = "me-app";  // a part of the project folder's name
  EXPECT_EQ(usage_report(scan, UsagePeriod::kDay, utc, app, ralph).total.usage.input_tokens, 5);
  app.project = "/home/me/blog";  // or of the working directory
  EXPECT_EQ(usage_report(scan, UsagePeriod::kDay, utc, app, ralph).total.usage.input_tokens, 2);
}

TEST_F(UsageReportTest, ADateThatIsNotOneIsAnErrorThatQuotesIt) {
  auto utc = zone("UTC");
  EXPECT_TRUE(utc.day("2026-02-28"));
  for (const char* bad : {"2026-02-30", "2026-13-01", "tomorrow", "2026/12/01", "202612011"}) {
    auto day = utc.day(bad);
    ASSERT_FALSE(day) << bad;
    EXPECT_NE(day.message().find(bad), std::string::npos) << day.message();
  }
}

TEST_F(UsageReportTest, CsvAndTextCarryTheSameNumbers) {
  add(at(12, 1, 9), 1000, 10, 0, 0, 2.5);
  add(at(12, 1, 10), 50, 5, 1, 1, 0.5);
  auto report = usage_report(scan, UsagePeriod::kDay, zone("UTC"), {}, ralph);
  std::string csv = usage_csv(report, false);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "date,models,input_tokens,output_tokens,cache_creation_tokens,cache_read_tokens,"
            "total_tokens,cost_usd");
  EXPECT_NE(csv.find("2026-12-01,claude-opus-4-5;claude-sonnet-4-5,1050,15,0,2,1067,3\n"),
            std::string::npos)
      << csv;
  std::string broken_down = usage_csv(report, true);
  EXPECT_NE(broken_down.find("2026-12-01,claude-sonnet-4-5,50,5,0,1,56,0.5\n"), std::string::npos)
      << broken_down;
  std::string text = usage_text(report, true);
  EXPECT_NE(text.find("1,067"), std::string::npos) << text;
  EXPECT_NE(text.find("ralph"), std::string::npos);
  EXPECT_NE(text.find("1 session "), std::string::npos) << text;
}

TEST_F(UsageReportTest, BlocksHonourTheFilterAndTheLargestEarlierBlockAsLimit) {
  add(at(12, 1, 9), 1000, 0, 0, 0);
  add(at(12, 1, 20), 300, 0, 0, 1);
  add(at(12, 2, 9), 10, 0, 0, 0);
  add(at(12, 2, 9, 30), 10, 0, 0, 1);
  auto utc = zone("UTC");
  auto report = blocks_report(scan, {}, utc, std::nullopt, true, at(12, 2, 10));
  ASSERT_EQ(report.blocks.size(), 3u);
  ASSERT_TRUE(report.token_limit);
  EXPECT_EQ(*report.token_limit, 1001);
  EXPECT_TRUE(report.blocks[2].active);
  std::string text = blocks_text(report, utc);
  EXPECT_NE(text.find("active block"), std::string::npos) << text;
  EXPECT_NE(text.find("the largest earlier block"), std::string::npos) << text;
  nlohmann::json json = blocks_json(report);
  EXPECT_EQ(json["blocks"][2]["tokenLimitStatus"]["limit"], 1001);

  UsageFilter blog;
  blog.project = "blog";
  auto only_blog = blocks_report(scan, blog, utc, int64_t{100}, false, at(12, 2, 10));
  ASSERT_EQ(only_blog.blocks.size(), 2u);
  EXPECT_EQ(only_blog.blocks[1].total_tokens(), 11);
}

TEST_F(UsageReportTest, BlocksStartAtTheUtcHourWhateverTheZoneAndShowInIt) {
  add(at(12, 2, 9, 40), 10, 0, 0, 1);  // 15:10 in Kolkata (UTC+5:30)
  auto kolkata = zone("Asia/Kolkata");
  auto report = blocks_report(scan, {}, kolkata, std::nullopt, false, at(12, 2, 10));
  ASSERT_EQ(report.blocks.size(), 1u);
  EXPECT_EQ(report.blocks[0].start_ms, at(12, 2, 9));  // 09:00 UTC, 14:30 there
  std::string text = blocks_text(report, kolkata);
  EXPECT_NE(text.find("2026-12-02 14:30 IST"), std::string::npos) << text;
  EXPECT_NE(text.find("to 2026-12-02 19:30 IST"), std::string::npos) << text;
}

}  // namespace
}  // namespace ralph::report
