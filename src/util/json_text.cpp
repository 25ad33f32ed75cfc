#include "util/json_text.hpp"

#include "util/json_safe.hpp"

#include <fmt/format.h>
#include <cctype>
#include <cstring>

namespace ralph {

namespace {

// Moves `pos`, the line and column at `from`, on to `to`.
void count_lines(std::string_view text, size_t from, size_t to, TextPos& pos) {
  for (size_t i = from; i < to; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
}

}  // namespace

TextPos text_pos_at(std::string_view text, size_t offset) {
  TextPos pos;
  count_lines(text, 0, std::min(offset, text.size()), pos);
  return pos;
}

std::optional<nlohmann::json> parse_json_text(std::string_view text, JsonSyntaxError& error) {
  // nlohmann stops at a NUL byte as if the text ended there; nothing after it would be read.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    error.pos = text_pos_at(text, nul);
    error.what = "a NUL byte: this is not a text file";
    return std::nullopt;
  }
  if (json_nesting_exceeds(text)) {
    error.pos = TextPos{};
    error.what = fmt::format("nested more than {} levels deep", kMaxJsonDepth);
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann reports the byte just past the offending token (1-based).
    size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    error.pos = text_pos_at(text, offset);
    error.what = e.what();
    // Keep nlohmann's explanation, drop its "[json.exception...] parse error at ...: " prefix.
    if (auto colon = error.what.find(": "); colon != std::string::npos) {
      error.what = error.what.substr(colon + 2);
    }
    return std::nullopt;
  } catch (const nlohmann::json::exception& e) {  // a number out of range, say
    error.pos = TextPos{};
    error.what = e.what();
    if (auto colon = error.what.find("] "); colon != std::string::npos) {
      error.what = error.what.substr(colon + 2);
    }
    return std::nullopt;
  }
}

namespace {

// A minimal scanner over valid JSON (with comments) that records where each value starts.
class Scanner {
 public:
  Scanner(std::string_view text, std::map<std::string, TextPos>& out) : text_(text), out_(out) {}

  void run() {
    skip_space();
    value("", pos_);
  }

 private:
  static std::string escape_token(const std::string& key) {
    std::string out;
    for (char c : key) {
      if (c == '~') {
        out += "~0";
      } else if (c == '/') {
        out += "~1";
      } else {
        out += c;
      }
    }
    return out;
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        size_t end = text_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  std::string string_token() {
    std::string out;
    ++pos_;  // opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) {
        out += text_[pos_ + 1];  // good enough for keys: escapes rarely appear in them
        pos_ += 2;
      } else {
        out += text_[pos_++];
      }
    }
    ++pos_;  // closing quote
    return out;
  }

  void value(const std::string& pointer, size_t where) {
    if (!out_.count(pointer)) out_[pointer] = pos_at(where);
    if (pos_ >= text_.size()) return;
    char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      skip_space();
      while (pos_ < text_.size() && text_[pos_] != '}') {
        size_t key_at = pos_;
        const size_t before = pos_;
        std::string key = string_token();
        skip_space();
        ++pos_;  // ':'
        skip_space();
        value(pointer + "/" + escape_token(key), key_at);
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ',') ++pos_;
        skip_space();
        if (pos_ == before) break;  // text this scanner does not follow: stop, never loop
      }
      ++pos_;
    } else if (c == '[') {
      ++pos_;
      skip_space();
      for (int index = 0; pos_ < text_.size() && text_[pos_] != ']'; ++index) {
        const size_t before = pos_;
        value(fmt::format("{}/{}", pointer, index), pos_);
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ',') ++pos_;
        skip_space();
        if (pos_ == before) break;  // text this scanner does not follow: stop, never loop
      }
      ++pos_;
    } else if (c == '"') {
      string_token();
    } else {
      while (pos_ < text_.size() && text_[pos_] != '\0' &&
             !std::strchr(",}] \t\r\n/", text_[pos_])) {
        ++pos_;
      }
    }
  }

  // The line and column at `offset`, counted on from the last one asked (values come in text
  // order), so locating every value of a large plan stays linear.
  TextPos pos_at(size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset < counted_to_) {
      counted_to_ = 0;
      counted_ = TextPos{};
    }
    count_lines(text_, counted_to_, offset, counted_);
    counted_to_ = offset;
    return counted_;
  }

  std::string_view text_;
  std::map<std::string, TextPos>& out_;
  size_t pos_ = 0;
  size_t counted_to_ = 0;
  TextPos counted_;
};

}  // namespace

JsonLocations::JsonLocations(std::string_view text) {
  Scanner(text, positions_).run();
}

TextPos JsonLocations::at(const std::string& pointer) const {
  // Fall back to the nearest enclosing value that was located.
  std::string p = pointer;
  for (;;) {
    if (auto it = positions_.find(p); it != positions_.end()) return it->second;
    if (p.empty()) return TextPos{};
    p = p.substr(0, p.rfind('/'));
  }
}

}  // namespace ralph
