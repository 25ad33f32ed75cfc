// JSON documents as people write them: `//` comments allowed, errors with line and column,
// and the position of every value so later checks can point at the right place.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/result.hpp"

namespace ralph {

struct TextPos {
  int line = 1;
  int column = 1;
};

// Line and column (1-based) of a byte offset in `text`.
TextPos text_pos_at(std::string_view text, size_t offset);

struct JsonSyntaxError {
  TextPos pos;
  std::string what;
};

// Parses JSON allowing `//` and `/* */` comments; on failure fills `error` with where and
// what and returns nullopt.
std::optional<nlohmann::json> parse_json_text(std::string_view text, JsonSyntaxError& error);

// Positions of values in a syntactically valid document, keyed by JSON pointer
// ("" for the root, "/userStories/0/passes"). For an object member the position is that
// of its key, so a message points at the line a person reads as the member.
class JsonLocations {
 public:
  explicit JsonLocations(std::string_view text);
  TextPos at(const std::string& pointer) const;

 private:
  std::map<std::string, TextPos> positions_;
};

}  // namespace ralph
