// Splits a byte stream into lines with bounded memory: a line longer than the limit is
// reported as oversized (with its first bytes) instead of being buffered whole.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace ralph {

class LineSplitter {
 public:
  // Called once per complete line, without its '\n'. `oversized` means the line was longer
  // than the limit and `line` holds only its first `max_line_bytes` bytes.
  using Sink = std::function<void(std::string_view line, bool oversized)>;

  LineSplitter(size_t max_line_bytes, Sink sink)
      : max_line_bytes_(max_line_bytes), sink_(std::move(sink)) {}

  void feed(std::string_view bytes);
  // Delivers an unterminated last line, if any.
  void finish();

 private:
  size_t max_line_bytes_;
  Sink sink_;
  std::string pending_;
  bool overflowed_ = false;
};

}  // namespace ralph
