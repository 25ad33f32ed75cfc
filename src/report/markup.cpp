#include "report/markup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "loop/display.hpp"
#include "util/clock.hpp"

namespace ralph::report {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string exact_number(double value) {
  if (!std::isfinite(value) || value == 0) return "0";
  return fmt::format("{}", value);
}

std::string coordinate(double value) {
  if (!std::isfinite(value)) return "0";
  double rounded = std::round(value * 100) / 100;
  if (rounded == 0) return "0";
  return fmt::format("{}", rounded);
}

std::string dollars(double value) {
  if (!std::isfinite(value)) value = 0;
  return fmt::format("${:.4f}", value);
}

std::string tokens_text(int64_t count) {
  return loop::human_tokens(count);
}

std::string grouped_integer(int64_t value) {
  std::string digits = std::to_string(value);
  size_t sign = value < 0 ? 1 : 0;
  std::string out = digits.substr(0, sign);
  for (size_t i = sign; i < digits.size(); ++i) {
    if (i > sign && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string duration_text(double hours) {
  if (!std::isfinite(hours)) hours = 0;
  hours = std::clamp(hours, 0.0, 1e9);
  auto seconds = std::llround(hours * 3600);
  if (seconds < 60) return fmt::format("{}s", seconds);
  auto minutes = std::llround(hours * 60);
  if (minutes < 60) return fmt::format("{}m", minutes);
  if (minutes < 48 * 60) return fmt::format("{}h{:02}m", minutes / 60, minutes % 60);
  return fmt::format("{}d{}h", minutes / (24 * 60), (minutes / 60) % 24);
}

std::string time_text(std::chrono::system_clock::time_point t) {
  std::string text = format_rfc3339(t);  // "2026-11-23T10:15:00.123Z"
  if (text.size() < 16) return text;
  text[10] = ' ';
  return text.substr(0, 16) + " UTC";
}

std::string shorten(std::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t at = 0; at < text.size(); ++at) {
    // Count the first byte of each UTF-8 sequence only.
    if ((static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) return std::string(text.substr(0, at)) + "\u2026";
    ++chars;
  }
  return std::string(text);
}

std::string summary_entry(const std::string& name, const std::string& value) {
  return fmt::format("<div><dt>{}</dt><dd>{}</dd></div>\n", escape_html(name), escape_html(value));
}

}  // namespace ralph::report
