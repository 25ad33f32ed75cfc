// ralph spend: the ledger per period and repository, and the current periods against the caps.
#include "report/spend.hpp"

#include <gtest/gtest.h>

#include <date/date.h>

namespace ralph::report {
namespace {

budget::WallTime utc(int y, unsigned m, unsigned d, int h) {
  return date::sys_days{date::year{y} / m / d} + std::chrono::hours(h);
}

TEST(SpendTest, RowsPerPeriodAndRepositoryAndTheCurrentPeriodsAgainstTheCaps) {
  auto zone = budget::TimeZone::named("Europe/Paris");
  ASSERT_TRUE(zone);
  std::vector<budget::LedgerEntry> entries = {
      {"/a", utc(2026, 11, 30, 22), 1.0, "ci-1", "ann"},  // 23:00 in Paris: November 30
      {"/a", utc(2026, 11, 30, 23), 2.0, "ci-1", "ann"},  // 00:00 in Paris: December 1
      {"/b", utc(2026, 12, 1, 10), 0.5, "ci-2", "bob"},
      {"/a", utc(2026, 12, 2, 10), 0.25, "ci-2", "ann"},
  };
  budget::Limits caps;
  caps.day = 1.0;
  caps.month = 10.0;
  SpendReport report = spend_report(entries, *zone, budget::Scope::kDay, SpendPer::kRepo, caps,
                                    utc(2026, 12, 2, 12));
  ASSERT_EQ(report.rows.size(), 4u);
  EXPECT_EQ(report.rows[0].period, "2026-11-30");
  EXPECT_EQ(report.rows[1].period, "2026-12-01");
  EXPECT_EQ(report.rows[1].of, "/a");
  EXPECT_EQ(report.rows[2].of, "/b");
  EXPECT_EQ(report.iterations, 4);
  EXPECT_DOUBLE_EQ(report.cost_usd, 3.75);
  ASSERT_EQ(report.current.size(), 3u);
  EXPECT_EQ(report.current[0].period, "2026-12-02");
  EXPECT_DOUBLE_EQ(report.current[0].spent_usd, 0.25);
  EXPECT_EQ(report.current[0].budget_usd, 1.0);
  EXPECT_EQ(report.current[1].period, "2026-W49");
  EXPECT_DOUBLE_EQ(report.current[1].spent_usd, 3.75);  // the week began on Monday the 30th
  EXPECT_FALSE(report.current[1].budget_usd);
  EXPECT_DOUBLE_EQ(report.current[2].spent_usd, 2.75);  // December only
  auto json = to_json(report);
  EXPECT_EQ(json["current"][0]["remaining_usd"], 0.75);
  EXPECT_EQ(json["current"][0]["resets_at"], "2026-12-02T23:00:00.000Z");
  EXPECT_EQ(spend_csv(report).substr(0, 50),
            "period,repo,iterations,cost_usd\n2026-11-30,/a,1,1\n");
  SpendReport months = spend_report(entries, *zone, budget::Scope::kMonth, SpendPer::kRepo, caps,
                                    utc(2026, 12, 2, 12));
  ASSERT_EQ(months.rows.size(), 3u);  // November /a, December /a, December /b
  EXPECT_NE(spend_text(months).find("2026-12"), std::string::npos);

  // Per machine, and per user: the same money, grouped another way.
  SpendReport machines = spend_report(entries, *zone, budget::Scope::kMonth, SpendPer::kMachine,
                                      caps, utc(2026, 12, 2, 12));
  ASSERT_EQ(machines.rows.size(), 3u);  // November ci-1, December ci-1, December ci-2
  EXPECT_EQ(machines.rows[2].of, "ci-2");
  EXPECT_DOUBLE_EQ(machines.rows[2].cost_usd, 0.75);
  EXPECT_EQ(to_json(machines)["rows"][2]["machine"], "ci-2");
  EXPECT_EQ(to_json(machines)["per"], "machine");
  EXPECT_NE(spend_text(machines).find("machine"), std::string::npos);
  SpendReport users = spend_report(entries, *zone, budget::Scope::kMonth, SpendPer::kUser, caps,
                                   utc(2026, 12, 2, 12));
  EXPECT_EQ(spend_csv(users).substr(0, 32), "period,user,iterations,cost_usd\n");
  ASSERT_EQ(users.rows.size(), 3u);
  EXPECT_EQ(users.rows[1].of, "ann");
  EXPECT_DOUBLE_EQ(users.rows[1].cost_usd, 2.25);
}

}  // namespace
}  // namespace ralph::report
