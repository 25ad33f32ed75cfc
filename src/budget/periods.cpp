#include "budget/periods.hpp"

#include <date/iso_week.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <exception>

namespace ralph::budget {

namespace {

using std::chrono::days;

// The instant a local midnight begins. A midnight that a DST change skips begins at the change;
// one it repeats, at its first occurrence.
WallTime start_of(const date::time_zone* zone, date::local_days day) {
  return zone->to_sys(day, date::choose::earliest);
}

}  // namespace

Result<TimeZone> TimeZone::named(const std::string& name) {
  try {
    if (!name.empty()) return TimeZone(date::locate_zone(name), name);
    if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
      std::string from_env = *tz == ':' ? tz + 1 : tz;
      try {
        return TimeZone(date::locate_zone(from_env), from_env);
      } catch (const std::exception&) {
        // Not an IANA name (a POSIX rule such as "EST5EDT,M3.2.0,M11.1.0"): the system's zone.
      }
    }
    const date::time_zone* local = date::current_zone();
    return TimeZone(local, std::string(local->name()));
  } catch (const std::exception& e) {
    if (name.empty())
      return make_error(fmt::format("cannot tell the local time zone: {}", e.what()));
    return make_error(
        fmt::format("unknown time zone \"{}\": give an IANA name such as "
                    "\"Europe/Paris\" or \"UTC\"",
                    name));
  }
}

Span TimeZone::span(Scope scope, WallTime t) const {
  auto local = zone_->to_local(t);
  auto day = date::floor<days>(local);
  switch (scope) {
    case Scope::kDay:
      return {start_of(zone_, day), start_of(zone_, day + days(1))};
    case Scope::kWeek: {
      date::weekday weekday{day};
      auto monday = day - (weekday - date::Monday);
      return {start_of(zone_, monday), start_of(zone_, monday + days(7))};
    }
    case Scope::kMonth: {
      date::year_month_day ymd{day};
      auto first = date::local_days{ymd.year() / ymd.month() / 1};
      auto next = date::local_days{(ymd.year() / ymd.month() + date::months(1)) / 1};
      return {start_of(zone_, first), start_of(zone_, next)};
    }
    case Scope::kRun:
    case Scope::kIteration:
    case Scope::kItem:
      break;
  }
  return {t, t};
}

Result<Span> TimeZone::day(const std::string& text) const {
  std::string digits;
  for (char c : text) {
    if (c != '-') digits.push_back(c);
  }
  const bool shaped =
      digits.size() == 8 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      (text.size() == 8 || (text.size() == 10 && text[4] == '-' && text[7] == '-'));
  date::year_month_day ymd{
      date::year{shaped ? std::stoi(digits.substr(0, 4)) : 0},
      date::month{shaped ? static_cast<unsigned>(std::stoi(digits.substr(4, 2))) : 0},
      date::day{shaped ? static_cast<unsigned>(std::stoi(digits.substr(6, 2))) : 0}};
  if (!shaped || !ymd.ok())
    return make_error(fmt::format("\"{}\" is not a date: give YYYY-MM-DD or YYYYMMDD", text));
  date::local_days day{ymd};
  return Span{start_of(zone_, day), start_of(zone_, day + days(1))};
}

std::string TimeZone::local_text(WallTime t) const {
  return date::format(
      "%F %R %Z", date::make_zoned(zone_, std::chrono::time_point_cast<std::chrono::seconds>(t)));
}

std::string TimeZone::label(Scope scope, WallTime t) const {
  auto day = date::floor<days>(zone_->to_local(t));
  switch (scope) {
    case Scope::kWeek: {
      iso_week::year_weeknum_weekday week{day};
      return fmt::format("{}-W{:02}", static_cast<int>(week.year()),
                         static_cast<unsigned>(week.weeknum()));
    }
    case Scope::kMonth:
      return date::format("%Y-%m", day);
    default:
      return date::format("%F", day);
  }
}

}  // namespace ralph::budget
