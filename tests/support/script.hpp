// Script: decides which scenario turn answers a Messages API request. Pure logic, no I/O,
// not thread-safe (ScriptedApi calls it under its lock).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "scenario.hpp"

namespace fake_api {

// What one /v1/messages request is answered with.
struct Reply {
  Turn turn;                // {{iteration}} already substituted
  std::string message_id;   // unique over the server's lifetime
  std::string tool_use_id;  // unique too; used when turn.kind is kToolUse
  int conversation = 0;     // 1-based; 0 for a side request (one without tools)
  int turn_index = 0;       // k: the number of assistant messages in the request
  int attempt = 0;          // earlier requests seen with the same (conversation, k)
};

// A request without tools is a side request (titles, summaries): not part of the scenario.
bool is_side_request(const nlohmann::json& body);
// The CLI asking for a summary of the conversation, to compact its context.
bool is_compaction_request(const nlohmann::json& body);

// The number of assistant messages in the request: the turn it asks for.
int assistant_turns(const nlohmann::json& body);

// Identifies a conversation: the CLI's session id (the X-Claude-Code-Session-Id header, else
// metadata.user_id's session_id) plus the content of the first user message, cache_control
// marks removed. The session id matters: every run of `claude -p PROMPT` sends the same first
// user message.
std::string conversation_key(const nlohmann::json& body, std::string_view session_header);

// Replaces every "{{iteration}}" in the strings of `value` (recursively).
nlohmann::json substitute_iteration(const nlohmann::json& value, int iteration);

class Script {
 public:
  explicit Script(Scenario scenario);

  Reply answer(const nlohmann::json& body, std::string_view session_header);
  int conversations_started() const { return static_cast<int>(conversations_.size()); }

 private:
  const Conversation& conversation(int number) const;

  Scenario scenario_;
  Conversation exhausted_;  // what a conversation past the end gets with "end_turn"
  Turn finished_;           // what a turn past the end gets without repeat_last_turn
  std::map<std::string, int> conversations_;     // conversation_key -> 1-based number
  std::map<std::pair<int, int>, int> attempts_;  // (conversation, k) -> requests seen
  int side_requests_ = 0;
};

}  // namespace fake_api
