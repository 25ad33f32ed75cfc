#include "scenario.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

namespace fake_api {
namespace {

using nlohmann::json;

// Where in the document a value sits, e.g. "conversations[1].turns[0].error".
class Where {
 public:
  Where(const std::string& source, std::string path) : source_(source), path_(std::move(path)) {}
  Where key(std::string_view k) const {
    return {source_, path_.empty() ? std::string(k) : fmt::format("{}.{}", path_, k)};
  }
  Where index(std::size_t i) const { return {source_, fmt::format("{}[{}]", path_, i)}; }

  [[noreturn]] void fail(const std::string& what) const {
    if (path_.empty()) throw std::runtime_error(fmt::format("{}: {}", source_, what));
    throw std::runtime_error(fmt::format("{}: {}: {}", source_, path_, what));
  }

 private:
  const std::string& source_;
  std::string path_;
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

void check_object(const json& value, const Where& where,
                  std::initializer_list<std::string_view> allowed) {
  if (!value.is_object()) where.fail("expected a JSON object");
  for (const auto& item : value.items()) {
    const std::string& name = item.key();
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string message = fmt::format("unknown key \"{}\"", name);
    auto closest = std::min_element(allowed.begin(), allowed.end(), [&](auto x, auto y) {
      return edit_distance(name, x) < edit_distance(name, y);
    });
    if (closest != allowed.end() && edit_distance(name, *closest) <= 3) {
      message += fmt::format(" (did you mean \"{}\"?)", *closest);
    }
    where.fail(message);
  }
}

std::int64_t get_int(const json& object, std::string_view key, const Where& where,
                     std::int64_t fallback, std::int64_t min) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_number_integer()) where.key(key).fail("expected an integer");
  auto value = it->get<std::int64_t>();
  if (value < min) where.key(key).fail(fmt::format("expected at least {}", min));
  return value;
}

bool get_bool(const json& object, std::string_view key, const Where& where) {
  auto it = object.find(key);
  if (it == object.end()) return false;
  if (!it->is_boolean()) where.key(key).fail("expected true or false");
  return it->get<bool>();
}

std::string get_string(const json& object, std::string_view key, const Where& where,
                       std::string fallback) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_string()) where.key(key).fail("expected a string");
  return it->get<std::string>();
}

Usage parse_usage(const json& value, const Where& where, const Usage& fallback) {
  check_object(value, where,
               {"input_tokens", "output_tokens", "cache_creation_input_tokens",
                "cache_read_input_tokens", "cache_creation_1h_input_tokens"});
  Usage usage;
  usage.input_tokens = get_int(value, "input_tokens", where, fallback.input_tokens, 0);
  usage.output_tokens = get_int(value, "output_tokens", where, fallback.output_tokens, 0);
  usage.cache_creation_input_tokens =
      get_int(value, "cache_creation_input_tokens", where, fallback.cache_creation_input_tokens, 0);
  usage.cache_read_input_tokens =
      get_int(value, "cache_read_input_tokens", where, fallback.cache_read_input_tokens, 0);
  usage.cache_creation_1h_input_tokens = fallback.cache_creation_1h_input_tokens;
  if (value.contains("cache_creation_1h_input_tokens")) {
    usage.cache_creation_1h_input_tokens =
        get_int(value, "cache_creation_1h_input_tokens", where, 0, 0);
  }
  if (usage.cache_creation_1h_input_tokens.value_or(0) > usage.cache_creation_input_tokens) {
    where.key("cache_creation_1h_input_tokens")
        .fail(fmt::format("expected at most cache_creation_input_tokens ({}): the 1-hour writes "
                          "are part of the cache writes",
                          usage.cache_creation_input_tokens));
  }
  return usage;
}

std::string default_error_type(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return "api_error";
  }
}

ApiError parse_error(const json& value, const Where& where) {
  check_object(value, where, {"status", "type", "message", "retry_after", "headers"});
  if (!value.contains("status")) where.fail("missing \"status\" (the HTTP status, e.g. 429)");
  ApiError error;
  error.status = static_cast<int>(get_int(value, "status", where, 0, 100));
  if (error.status > 599) where.key("status").fail("expected an HTTP status (100-599)");
  error.type = get_string(value, "type", where, default_error_type(error.status));
  error.message = get_string(value, "message", where, "scripted " + error.type);
  if (value.contains("retry_after")) {
    error.retry_after = static_cast<int>(get_int(value, "retry_after", where, 0, 0));
  }
  if (value.contains("headers")) {
    const json& headers = value["headers"];
    if (!headers.is_object()) where.key("headers").fail("expected an object of header: value");
    for (const auto& [name, header_value] : headers.items()) {
      // {{now+N}}: the Unix time N seconds from when the scenario is loaded (reset times).
      std::string text =
          header_value.is_string() ? header_value.get<std::string>() : header_value.dump();
      if (text.rfind("{{now+", 0) == 0 && text.size() > 8 && text.substr(text.size() - 2) == "}}") {
        long long offset = std::stoll(text.substr(6, text.size() - 8));
        text = std::to_string(static_cast<long long>(std::time(nullptr)) + offset);
      }
      error.headers[name] = text;
    }
  }
  return error;
}

Turn parse_turn(const json& value, const Where& where, const Usage& default_usage) {
  check_object(value, where,
               {"tool", "input", "text", "error", "usage", "delay_ms", "times", "hang",
                "hang_after_start", "drop_after_start"});
  Turn turn;
  turn.hang = get_bool(value, "hang", where);
  turn.hang_after_start = get_bool(value, "hang_after_start", where);
  turn.drop_after_start = get_bool(value, "drop_after_start", where);
  auto kinds = value.count("tool") + value.count("text") + value.count("error");
  if (kinds > 1) where.fail("a turn has exactly one of \"tool\", \"text\" or \"error\"");
  if (value.contains("tool")) {
    turn.kind = Turn::Kind::kToolUse;
    turn.tool = get_string(value, "tool", where, "");
    if (turn.tool.empty()) where.key("tool").fail("expected a tool name, e.g. \"Bash\"");
    if (value.contains("input")) {
      turn.input = value["input"];
      if (!turn.input.is_object()) where.key("input").fail("expected a JSON object");
    }
  } else if (value.contains("text")) {
    turn.kind = Turn::Kind::kText;
    turn.text = get_string(value, "text", where, "");
  } else if (value.contains("error")) {
    turn.kind = Turn::Kind::kError;
    turn.error = parse_error(value["error"], where.key("error"));
  } else if (turn.hang || turn.drop_after_start) {
    turn.kind = Turn::Kind::kStall;
  } else {
    where.fail("a turn needs one of \"tool\", \"text\" or \"error\"");
  }
  if (value.contains("input") && turn.kind != Turn::Kind::kToolUse) {
    where.key("input").fail("only a \"tool\" turn takes an \"input\"");
  }
  if (turn.hang_after_start && !turn.hang) {
    where.key("hang_after_start").fail("needs \"hang\": true");
  }
  if (turn.hang && turn.drop_after_start) {
    where.fail("a turn cannot both \"hang\" and \"drop_after_start\"");
  }
  if (turn.kind == Turn::Kind::kError && (turn.hang || turn.drop_after_start)) {
    where.fail("an error turn cannot \"hang\" or \"drop_after_start\"");
  }
  turn.usage = value.contains("usage")
                   ? parse_usage(value["usage"], where.key("usage"), default_usage)
                   : default_usage;
  turn.delay_ms = static_cast<int>(get_int(value, "delay_ms", where, 0, 0));
  if (value.contains("times") && !turn.fails()) {
    where.key("times").fail("only an error, \"hang\" or \"drop_after_start\" turn takes \"times\"");
  }
  turn.times = static_cast<int>(get_int(value, "times", where, 1, 1));
  return turn;
}

Conversation parse_conversation(const json& value, const Where& where, const Usage& usage) {
  check_object(value, where, {"turns", "repeat_last_turn"});
  auto turns = value.find("turns");
  if (turns == value.end() || !turns->is_array() || turns->empty()) {
    where.key("turns").fail("expected a non-empty array of turns");
  }
  Conversation conversation;
  for (std::size_t i = 0; i < turns->size(); ++i) {
    conversation.turns.push_back(parse_turn((*turns)[i], where.key("turns").index(i), usage));
  }
  conversation.repeat_last_turn = get_bool(value, "repeat_last_turn", where);
  return conversation;
}

}  // namespace

Scenario parse_scenario(const json& document, const std::string& source) {
  Where where(source, "");
  check_object(document, where,
               {"description", "default_usage", "conversations", "when_exhausted"});
  Scenario scenario;
  scenario.description = get_string(document, "description", where, "");
  if (document.contains("default_usage")) {
    scenario.default_usage =
        parse_usage(document["default_usage"], where.key("default_usage"), Usage{});
  }
  auto conversations = document.find("conversations");
  if (conversations == document.end() || !conversations->is_array()) {
    where.key("conversations").fail("expected an array of conversations");
  }
  for (std::size_t i = 0; i < conversations->size(); ++i) {
    scenario.conversations.push_back(parse_conversation(
        (*conversations)[i], where.key("conversations").index(i), scenario.default_usage));
  }
  auto when = get_string(document, "when_exhausted", where, "end_turn");
  if (when == "repeat_last_conversation") {
    if (scenario.conversations.empty()) {
      where.key("when_exhausted").fail("there is no last conversation to repeat");
    }
    scenario.when_exhausted = WhenExhausted::kRepeatLastConversation;
  } else if (when != "end_turn") {
    where.key("when_exhausted")
        .fail(fmt::format("unknown value \"{}\": expected \"end_turn\" or "
                          "\"repeat_last_conversation\"",
                          when));
  }
  return scenario;
}

Scenario parse_scenario_text(const std::string& text, const std::string& source) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line L, column C: ...".
    std::string what = e.what();
    auto start = what.find("] ");
    throw std::runtime_error(
        fmt::format("{}: {}", source, start == std::string::npos ? what : what.substr(start + 2)));
  }
  return parse_scenario(document, source);
}

Scenario load_scenario(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(fmt::format("{}: cannot open the scenario file", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario_text(text.str(), path.string());
}

}  // namespace fake_api
