// Which records a report covers: one run or all of them, between two times.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "meter/record_view.hpp"
#include "util/result.hpp"

namespace ralph::report {

struct Selection {
  std::optional<std::string> run_id;  // none: every run
  // RFC 3339 UTC bounds on `started_at`, in the form ralph writes it (so text order is time
  // order): since is inclusive, until exclusive.
  std::optional<std::string> since;
  std::optional<std::string> until;

  bool matches(const meter::RecordView& record) const;
};

// The run a report shows by default: the state file's (the current or last run), else the
// newest record's; none when nothing ran yet.
Result<std::optional<std::string>> last_run_id(const std::filesystem::path& state_dir);

// A time given to --since/--until: "2026-11-23" (midnight UTC; with `until`, the end of that
// day), "2026-11-23T10:00:00Z" (any RFC 3339 offset), or an age: "90m", "12h", "7d", "2w".
// The error says what was expected.
Result<std::chrono::system_clock::time_point> parse_time_bound(
    std::string_view text, std::chrono::system_clock::time_point now, bool until);

}  // namespace ralph::report
