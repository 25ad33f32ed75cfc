// Forecasts: burn rates, the time to finish, when each cap is reached, and whether it fits;
// checked against a hand-computed example.
#include "report/forecast.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "temp_dir.hpp"
#include "util/clock.hpp"

namespace ralph::report {
namespace {

meter::IterationRecord record(int n, const std::string& item, const std::string& from,
                              const std::string& to, double cost, bool completes) {
  meter::IterationRecord r;
  r.run_id = "r";
  r.iteration = n;
  r.item_id = item;
  r.started_at = "2026-12-02T" + from + ".000Z";
  r.ended_at = "2026-12-02T" + to + ".000Z";
  r.duration_ms = (*parse_rfc3339_utc(r.ended_at) - *parse_rfc3339_utc(r.started_at)) /
                  std::chrono::milliseconds(1);
  r.cost_usd = cost;
  r.outcome = "success";
  if (completes) r.items_completed = {item};
  return r;
}

WallTime at(const std::string& hms) {
  return *parse_rfc3339_utc("2026-12-02T" + hms + ".000Z");
}

TEST(ForecastTest, AHandComputedExample) {
  // Three iterations over half an hour, $1.20 in all; US-1 took 6 minutes and $0.30, US-2 two
  // iterations, 24 minutes and $0.90; two of four items are left.
  ProjectionBuilder projection;
  ForecastBuilder builder;
  for (const auto& r : {record(1, "US-1", "10:00:00", "10:06:00", 0.30, true),
                        record(2, "US-2", "10:06:00", "10:18:00", 0.60, false),
                        record(3, "US-2", "10:18:00", "10:30:00", 0.30, true)}) {
    projection.add(r);
    builder.add(r);
  }
  Projection p = projection.projection({"US-1", "US-2", "US-3", "US-4"}, 2);
  EXPECT_DOUBLE_EQ(*p.expected_hours, 0.5);  // 0.25 h per completed item
  EXPECT_DOUBLE_EQ(*p.low_hours, 0.2);       // US-1's 0.1 h
  EXPECT_DOUBLE_EQ(*p.high_hours, 0.8);      // US-2's 0.4 h

  std::vector<CapForecast> caps = {{"run", 2.0, 1.2, std::nullopt, std::nullopt, false},
                                   {"day", 10.0, 5.0, at("11:30:00"), std::nullopt, false}};
  const WallTime now = at("10:30:00");
  Forecast f = builder.forecast(p, at("10:00:00"), now, false, caps);
  EXPECT_DOUBLE_EQ(*f.burn_usd_per_hour, 2.4);
  EXPECT_DOUBLE_EQ(*f.recent_burn_usd_per_hour, 2.4);
  EXPECT_EQ(f.recent_iterations, 3);
  EXPECT_DOUBLE_EQ(*f.iterations_per_hour, 6.0);
  EXPECT_DOUBLE_EQ(*f.hours_per_completed_item, 0.25);
  EXPECT_DOUBLE_EQ(*f.finish_hours, 0.5);
  EXPECT_EQ(*f.finish_at, at("11:00:00"));
  ASSERT_EQ(f.caps.size(), 2u);
  // $0.80 left at $2.40/h: 20 minutes.
  EXPECT_EQ(*f.caps[0].reached_at, at("10:50:00"));
  // $5 left at $2.40/h is past the day's end: not reached before it resets.
  EXPECT_FALSE(f.caps[1].reached_at);
  // $1.20 expected to finish does not fit in the run's $0.80 left.
  EXPECT_EQ(f.within_budget, false);

  auto json = to_json(f);
  EXPECT_EQ(json["caps"][0]["reached_at"], "2026-12-02T10:50:00.000Z");
  EXPECT_TRUE(json["caps"][1]["reached_at"].is_null());
  auto lines = forecast_lines(f, now);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            "$2.4000/h over the run, $2.4000/h over the last 3 iterations; 6.0 iterations/h, 15m "
            "per completed item");
  EXPECT_EQ(lines[1],
            "~30m to finish (12m-48m); the run cap of $2.00 in 20m at this rate; the day cap of "
            "$10.00 not before it resets; over budget");
}

TEST(ForecastTest, TheRateOfLateIsTheLastFiveIterations) {
  ForecastBuilder builder;
  builder.add(record(1, "US-1", "09:00:00", "09:30:00", 0.10, false));  // slow and cheap
  for (int i = 0; i < 5; ++i) {
    builder.add(record(2 + i, "US-1", fmt::format("10:0{}:00", i), fmt::format("10:0{}:00", i + 1),
                       0.05, false));
  }
  Projection none;
  Forecast f = builder.forecast(none, at("09:00:00"), at("10:05:00"), false, {});
  EXPECT_DOUBLE_EQ(*f.recent_burn_usd_per_hour, 3.0);  // $0.25 in 5 minutes
  EXPECT_NEAR(*f.burn_usd_per_hour, 0.35 / (65.0 / 60), 1e-12);
  EXPECT_FALSE(f.within_budget);  // no cap
  EXPECT_FALSE(f.finish_hours);   // nothing completed: no projection
}

TEST(ForecastTest, CapsAreTheRunsBudgetAndTheCalendarCapsFromTheLedger) {
  testing::TempDir dir;
  budget::Ledger ledger(dir.path() / "ledger.jsonl");
  ASSERT_TRUE(ledger.append("/repo/a", record(1, "US-1", "09:00:00", "09:30:00", 2.0, false)));
  ASSERT_TRUE(ledger.append("/repo/b", record(1, "X-1", "10:00:00", "10:10:00", 1.5, false)));
  plan::Settings settings;
  settings.set("daily_budget", 10.0);
  settings.set("monthly_budget", 100.0);
  settings.set("timezone", "UTC");
  auto caps = forecast_caps(5.0, 2.0, settings, ledger, at("12:00:00"));
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[0].cap, "run");
  EXPECT_DOUBLE_EQ(caps[0].spent_usd, 2.0);
  EXPECT_EQ(caps[1].cap, "day");
  EXPECT_DOUBLE_EQ(caps[1].spent_usd, 3.5);  // both repositories
  EXPECT_EQ(*caps[1].resets_at, *parse_rfc3339_utc("2026-12-03T00:00:00.000Z"));
  EXPECT_EQ(caps[2].cap, "month");
  EXPECT_EQ(*caps[2].resets_at, *parse_rfc3339_utc("2027-01-01T00:00:00.000Z"));
  // Without calendar caps, the ledger is not read; without a budget, there is no run cap.
  EXPECT_TRUE(forecast_caps(std::nullopt, 0, plan::Settings{}, ledger, at("12:00:00")).empty());
}

}  // namespace
}  // namespace ralph::report
