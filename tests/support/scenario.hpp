// A scenario: what the scripted Messages API answers, conversation by conversation.
// The file format is described in tests/support/README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fake_api {

struct Usage {
  std::int64_t input_tokens = 1000;
  std::int64_t output_tokens = 200;
  std::int64_t cache_creation_input_tokens = 0;
  std::int64_t cache_read_input_tokens = 0;
  // How many of the cache writes are 1-hour writes. When set, the usage carries the API's
  // `cache_creation` breakdown (the rest are 5-minute writes); when not, it has none.
  std::optional<std::int64_t> cache_creation_1h_input_tokens;
};

struct ApiError {
  int status = 500;
  std::string type = "api_error";
  std::string message = "scripted error";
  std::optional<int> retry_after;              // seconds, sent as the `retry-after` header
  std::map<std::string, std::string> headers;  // more response headers (e.g. rate-limit ones)
};

struct Turn {
  enum class Kind {
    kToolUse,  // {"tool": NAME, "input": {...}}: stop_reason tool_use
    kText,     // {"text": "..."}: stop_reason end_turn
    kError,    // {"error": {...}}: a plain JSON error with an HTTP status
    kStall,    // {"hang": true} or {"drop_after_start": true} with no content
  };
  Kind kind = Kind::kText;
  std::string tool;
  nlohmann::json input = nlohmann::json::object();
  std::string text;
  ApiError error;
  Usage usage;                    // already merged with the scenario's default_usage
  int delay_ms = 0;               // wait before answering
  int times = 1;                  // attempts a failing turn answers before the next turn
  bool hang = false;              // never answer (until the server stops)
  bool hang_after_start = false;  // with hang: send headers and message_start first
  bool drop_after_start = false;  // send message_start, then close the connection

  // A failing turn never yields a complete assistant message, so the client retries it:
  // it is consumed by attempts rather than counted as an assistant turn.
  bool fails() const { return kind == Kind::kError || hang || drop_after_start; }
};

struct Conversation {
  std::vector<Turn> turns;
  bool repeat_last_turn = false;
};

enum class WhenExhausted { kEndTurn, kRepeatLastConversation };

struct Scenario {
  std::string description;
  Usage default_usage;
  std::vector<Conversation> conversations;
  WhenExhausted when_exhausted = WhenExhausted::kEndTurn;
};

// Throws std::runtime_error("<source>: <where>: <what is wrong>").
Scenario parse_scenario(const nlohmann::json& document, const std::string& source);
Scenario parse_scenario_text(const std::string& text, const std::string& source);
Scenario load_scenario(const std::filesystem::path& path);

}  // namespace fake_api
