// `status --watch` and `usage blocks --live`: text redrawn in place on a terminal; elsewhere
// (a pipe, a file, JSON) each change printed once.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace ralph::cli {

class LiveView {
 public:
  explicit LiveView(bool json) : json_(json), terminal_(!json && ::isatty(STDOUT_FILENO) == 1) {}

  void show(const std::string& text) {
    if (text == shown_) return;
    if (terminal_) {
      fmt::print("\x1b[H\x1b[2J{}", text);
    } else {
      fmt::print("{}{}", shown_.empty() || json_ ? "" : "\n", text);
    }
    std::fflush(stdout);
    shown_ = text;
  }

 private:
  bool json_;
  bool terminal_;
  std::string shown_;
};

}  // namespace ralph::cli
