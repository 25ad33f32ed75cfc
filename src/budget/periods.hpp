// Calendar periods for the daily, weekly and monthly caps (README "Budgets"): days, weeks that
// start on Monday, and months, in an IANA time zone, DST changes included.
#pragma once

#include <chrono>
#include <string>

#include "budget/budgets.hpp"
#include "util/result.hpp"

namespace date {
class time_zone;
}

namespace ralph::budget {

using WallTime = std::chrono::system_clock::time_point;

// [start, end): one period.
struct Span {
  WallTime start;
  WallTime end;
};

class TimeZone {
 public:
  // An IANA name ("Europe/Paris"); empty: the machine's local zone ($TZ when it names one,
  // else /etc/localtime). An unknown name is an error that says so.
  static Result<TimeZone> named(const std::string& name);

  const std::string& name() const { return name_; }
  // The day, the week (from Monday 00:00) or the month holding `t`. Other scopes: none.
  Span span(Scope scope, WallTime t) const;
  // The local day a date names ("2026-12-02" or "20261202", as ccusage takes them); an error
  // that quotes the text when it is not a real date.
  Result<Span> day(const std::string& date) const;
  // "2026-12-03 00:00 CET": local time, for people.
  std::string local_text(WallTime t) const;
  // "2026-12-02", "2026-W49" (ISO week) or "2026-12": the period holding `t`, for tables.
  std::string label(Scope scope, WallTime t) const;

 private:
  TimeZone(const date::time_zone* zone, std::string name) : zone_(zone), name_(std::move(name)) {}
  const date::time_zone* zone_;
  std::string name_;
};

}  // namespace ralph::budget
