#include "report/selection.hpp"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

#include "loop/state.hpp"
#include "meter/cost_log.hpp"

namespace ralph::report {

bool Selection::matches(const meter::RecordView& record) const {
  if (run_id && record.run_id != *run_id) return false;
  if (since && record.started_at < *since) return false;
  if (until && record.started_at >= *until) return false;
  return true;
}

Result<std::optional<std::string>> last_run_id(const std::filesystem::path& state_dir) {
  if (auto state = loop::read_state(state_dir / "state.json"); state && !state->run_id.empty()) {
    return std::optional<std::string>(state->run_id);
  }
  auto last = meter::CostLog(state_dir / "iterations.jsonl").last_record();
  if (!last) return last.error();
  if (!*last) return std::optional<std::string>();
  return std::optional<std::string>((*last)->run_id);
}

namespace {

using std::chrono::system_clock;

// Digits at `text[at, at+n)` as a number, or -1.
int digits(std::string_view text, size_t at, size_t n) {
  if (at + n > text.size()) return -1;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + n, value);
  return ec == std::errc() && end == text.data() + at + n ? value : -1;
}

std::optional<system_clock::time_point> parse_age(std::string_view text,
                                                  system_clock::time_point now) {
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n < 0 || n > 100'000) {
    return std::nullopt;
  }
  int64_t unit = 0;
  switch (text.back()) {
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return std::nullopt;
  }
  return now - std::chrono::seconds(n * unit);
}

std::optional<system_clock::time_point> parse_date_time(std::string_view text, bool until) {
  std::tm tm{};
  tm.tm_year = digits(text, 0, 4);
  tm.tm_mon = digits(text, 5, 2);
  tm.tm_mday = digits(text, 8, 2);
  if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  if (text.size() == 10) {  // a whole day
    auto day = system_clock::from_time_t(timegm(&tm));
    return until ? day + std::chrono::hours(24) : day;
  }
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  tm.tm_hour = digits(text, 11, 2);
  tm.tm_min = digits(text, 14, 2);
  tm.tm_sec = digits(text, 17, 2);
  if (tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  size_t at = 19;
  std::chrono::milliseconds fraction{0};
  if (text[at] == '.') {
    size_t start = ++at;
    int64_t scale = 100;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      fraction += std::chrono::milliseconds((text[at] - '0') * scale);
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  auto t = system_clock::from_time_t(timegm(&tm)) + fraction;
  std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") return t;
  int hours = digits(zone, 1, 2);
  int minutes = digits(zone, 4, 2);
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' || hours < 0 ||
      minutes < 0) {
    return std::nullopt;
  }
  auto offset = std::chrono::minutes(hours * 60 + minutes);
  return zone[0] == '+' ? t - offset : t + offset;
}

}  // namespace

Result<system_clock::time_point> parse_time_bound(std::string_view text,
                                                  system_clock::time_point now, bool until) {
  if (auto age = parse_age(text, now)) return *age;
  if (text.size() >= 10) {
    if (auto t = parse_date_time(text, until)) return *t;
  }
  return make_error(
      fmt::format("\"{}\" is not a time: expected a date (2026-11-23), an RFC 3339 time "
                  "(2026-11-23T10:00:00Z) or an age (90m, 12h, 7d, 2w)",
                  text));
}

}  // namespace ralph::report
