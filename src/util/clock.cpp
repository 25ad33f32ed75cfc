#include "util/clock.hpp"

#include <fmt/format.h>
#include <ctime>

namespace ralph {

namespace {

std::tm utc_tm(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  std::tm tm = utc_tm(t);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  if (ms < 0) ms += 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::optional<std::chrono::system_clock::time_point> parse_rfc3339_utc(std::string_view t) {
  auto digits = [&](size_t at, size_t n) -> std::optional<int> {
    if (at + n > t.size()) return std::nullopt;
    int value = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      value = value * 10 + (t[i] - '0');
    }
    return value;
  };
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
       s = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !s || t[4] != '-' || t[7] != '-' || t[10] != 'T' ||
      t[13] != ':' || t[16] != ':' || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 ||
      *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  // Years a nanosecond system_clock can hold, and days the month has.
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0;
  if (*y < 1900 || *y > 2200 || *d > kDays[*mo - 1] || (*mo == 2 && *d == 29 && !leap)) {
    return std::nullopt;
  }
  size_t at = 19;
  int64_t ms = 0;
  if (at < t.size() && t[at] == '.') {
    int64_t scale = 100;
    for (++at; at < t.size() && t[at] >= '0' && t[at] <= '9'; ++at) {
      ms += (t[at] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_min = 0;
  if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    auto oh = digits(at + 1, 2), om = digits(at + 4, 2);
    if (!oh || !om || t[at + 3] != ':' || *oh > 23 || *om > 59) return std::nullopt;
    offset_min = (*oh * 60 + *om) * (t[at] == '-' ? -1 : 1);
    at += 6;
  } else if (at < t.size() && (t[at] == 'Z' || t[at] == 'z')) {
    ++at;
  }
  if (at != t.size()) return std::nullopt;  // nothing after the time
  // Days from the civil date (Howard Hinnant's algorithm), without timegm's time zone lookups.
  int64_t year = *y - (*mo <= 2 ? 1 : 0);
  int64_t era = (year >= 0 ? year : year - 399) / 400;
  int64_t yoe = year - era * 400;
  int64_t doy = (153 * (*mo + (*mo > 2 ? -3 : 9)) + 2) / 5 + *d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  int64_t seconds = days * 86400 + *h * 3600 + *mi * 60 + *s - offset_min * 60;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(seconds * 1000 + ms));
}

std::string format_compact_utc(std::chrono::system_clock::time_point t) {
  std::tm tm = utc_tm(t);
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace ralph
