// Text for HTML and SVG: escaping of user data, and numbers written for people (tick labels,
// money) or for machines (exact values in data-* attributes).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ralph::report {

// `text` with &, <, >, " and ' escaped: safe in element content and in quoted attributes.
std::string escape_html(std::string_view text);

// The shortest text that reads back as exactly `value` ("0.0123", "1e-07"); "0" for anything
// that is not finite, so a page never holds NaN or inf.
std::string exact_number(double value);

// A coordinate in an SVG: two decimals at most, never NaN ("12.5", "0").
std::string coordinate(double value);

// One entry of a <dl>: `<div><dt>name</dt><dd>value</dd></div>`, both escaped.
std::string summary_entry(const std::string& name, const std::string& value);

// "$0.4123": four decimals, the precision of `ralph costs`.
std::string dollars(double value);

// "12.3k", "1.2M" (from loop/display.hpp), for token counts in prose and tooltips.
std::string tokens_text(int64_t count);

// "12,345": an integer with thousands separators.
std::string grouped_integer(int64_t value);

// "40s", "45m", "3h10m", "2d4h": a span of `hours` for people, to the second under a minute,
// else to the minute.
std::string duration_text(double hours);

// "2026-11-23 14:05 UTC": a time for people, to the minute.
std::string time_text(std::chrono::system_clock::time_point t);

// `text` cut to `max_chars` characters (UTF-8 aware) with "…" when it was longer.
std::string shorten(std::string_view text, size_t max_chars);

}  // namespace ralph::report
