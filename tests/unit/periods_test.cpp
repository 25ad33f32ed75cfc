// Calendar periods in IANA time zones: DST changes, month lengths, week starts.
#include "budget/periods.hpp"

#include <gtest/gtest.h>

#include <date/date.h>

namespace ralph::budget {
namespace {

using std::chrono::hours;

WallTime utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  return date::sys_days{date::year{y} / m / d} + hours(h) + std::chrono::minutes(min);
}

TimeZone zone(const std::string& name) {
  auto z = TimeZone::named(name);
  EXPECT_TRUE(z) << z.message();
  return *z;
}

TEST(PeriodsTest, ADayIsFromLocalMidnightToTheNext) {
  TimeZone paris = zone("Europe/Paris");
  Span day = paris.span(Scope::kDay, utc(2026, 12, 2, 23, 30));  // 00:30 on the 3rd in Paris
  EXPECT_EQ(day.start, utc(2026, 12, 2, 23));
  EXPECT_EQ(day.end, utc(2026, 12, 3, 23));
  EXPECT_EQ(paris.label(Scope::kDay, utc(2026, 12, 2, 23, 30)), "2026-12-03");
  EXPECT_EQ(paris.local_text(day.end), "2026-12-04 00:00 CET");
}

TEST(PeriodsTest, DaysOfADstChangeAre23And25Hours) {
  TimeZone paris = zone("Europe/Paris");
  Span spring = paris.span(Scope::kDay, utc(2026, 3, 29, 12));
  EXPECT_EQ(spring.end - spring.start, hours(23));
  Span autumn = paris.span(Scope::kDay, utc(2026, 10, 25, 12));
  EXPECT_EQ(autumn.end - autumn.start, hours(25));
  TimeZone new_york = zone("America/New_York");
  Span march = new_york.span(Scope::kDay, utc(2026, 3, 8, 12));
  EXPECT_EQ(march.start, utc(2026, 3, 8, 5));  // midnight EST
  EXPECT_EQ(march.end, utc(2026, 3, 9, 4));    // midnight EDT
}

TEST(PeriodsTest, AMidnightTheClockSkipsStartsTheDayAtTheChange) {
  // Chile moves its clocks from 24:00 to 01:00: 2026-09-06 has no midnight.
  TimeZone santiago = zone("America/Santiago");
  Span day = santiago.span(Scope::kDay, utc(2026, 9, 6, 18));
  EXPECT_EQ(santiago.local_text(day.start), "2026-09-06 01:00 -03");
  EXPECT_EQ(day.end - day.start, hours(23));
}

TEST(PeriodsTest, WeeksStartOnMonday) {
  TimeZone utc_zone = zone("UTC");
  Span week = utc_zone.span(Scope::kWeek, utc(2026, 12, 2, 10));  // a Wednesday
  EXPECT_EQ(week.start, utc(2026, 11, 30));
  EXPECT_EQ(week.end, utc(2026, 12, 7));
  Span sunday = utc_zone.span(Scope::kWeek, utc(2026, 12, 6, 23, 59));
  EXPECT_EQ(sunday.start, utc(2026, 11, 30));
  Span monday = utc_zone.span(Scope::kWeek, utc(2026, 12, 7));
  EXPECT_EQ(monday.start, utc(2026, 12, 7));
  EXPECT_EQ(utc_zone.label(Scope::kWeek, utc(2026, 12, 2)), "2026-W49");
  // A week across a year's end and a DST change keeps its Monday.
  TimeZone paris = zone("Europe/Paris");
  Span dst = paris.span(Scope::kWeek, utc(2026, 3, 29, 12));  // a Sunday
  EXPECT_EQ(dst.end - dst.start, hours(7 * 24 - 1));
}

TEST(PeriodsTest, MonthsHaveTheirLengths) {
  TimeZone utc_zone = zone("UTC");
  auto length = [&](int y, unsigned m) {
    Span s = utc_zone.span(Scope::kMonth, utc(y, m, 15));
    return std::chrono::duration_cast<hours>(s.end - s.start).count() / 24;
  };
  EXPECT_EQ(length(2026, 2), 28);
  EXPECT_EQ(length(2028, 2), 29);
  EXPECT_EQ(length(2026, 4), 30);
  EXPECT_EQ(length(2026, 12), 31);
  Span december = utc_zone.span(Scope::kMonth, utc(2026, 12, 31, 23));
  EXPECT_EQ(december.end, utc(2027, 1, 1));
  EXPECT_EQ(utc_zone.label(Scope::kMonth, utc(2026, 12, 31)), "2026-12");
  TimeZone tokyo = zone("Asia/Tokyo");  // 2026-11-30 16:00 UTC is already December there
  EXPECT_EQ(tokyo.span(Scope::kMonth, utc(2026, 11, 30, 16)).start, utc(2026, 11, 30, 15));
}

TEST(PeriodsTest, AnUnknownZoneSaysWhatToGive) {
  auto bad = TimeZone::named("Mars/Olympus");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.message(),
            "unknown time zone \"Mars/Olympus\": give an IANA name such as \"Europe/Paris\" or "
            "\"UTC\"");
  EXPECT_TRUE(TimeZone::named(""));  // the machine's own
}

}  // namespace
}  // namespace ralph::budget
