// Time as a dependency, so the loop's timing decisions can be tested with a fake clock.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ralph {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point wall_now() const = 0;
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }
};

// "2026-11-23T10:15:00.123Z": RFC 3339 in UTC with milliseconds.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// The time format_rfc3339 wrote (milliseconds optional, UTC "Z" assumed, a "+02:00" offset
// honoured); none when `text` is not one. No allocation: the transcript reader calls it per line.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339_utc(std::string_view text);

// Milliseconds since the epoch, and back: how transcript times and 5-hour blocks are kept.
inline int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline std::chrono::system_clock::time_point from_epoch_ms(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

// "20261123-101500": the compact UTC stamp used in run ids.
std::string format_compact_utc(std::chrono::system_clock::time_point t);

}  // namespace ralph
