#include "script.hpp"

#include <fmt/format.h>

namespace fake_api {
namespace {

using nlohmann::json;

Turn text_turn(std::string text, const Usage& usage) {
  Turn turn;
  turn.kind = Turn::Kind::kText;
  turn.text = std::move(text);
  turn.usage = usage;
  return turn;
}

std::string session_from_metadata(const json& body) {
  // metadata.user_id is itself a JSON document: {"device_id":..,"session_id":..}.
  auto metadata = body.find("metadata");
  if (metadata == body.end() || !metadata->is_object()) return "";
  auto user_id = metadata->find("user_id");
  if (user_id == metadata->end() || !user_id->is_string()) return "";
  auto parsed = json::parse(user_id->get<std::string>(), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || !parsed.contains("session_id")) return user_id->get<std::string>();
  return parsed["session_id"].is_string() ? parsed["session_id"].get<std::string>() : "";
}

// The turn answering request k of a conversation at its `attempt`-th try, or nullptr when the
// conversation has no turn left. Turn k is the k-th non-failing turn; the failing turns just
// before it answer the first attempts, each `times` of them, in order.
const Turn* pick_turn(const Conversation& conversation, int k, int attempt) {
  const auto& turns = conversation.turns;
  const Turn* past_end = conversation.repeat_last_turn ? &turns.back() : nullptr;
  std::size_t i = 0;
  for (int step = 0; step < k; ++i) {
    if (i == turns.size()) return past_end;
    if (!turns[i].fails()) ++step;
  }
  for (; i < turns.size(); ++i) {
    if (!turns[i].fails() || attempt < turns[i].times) return &turns[i];
    attempt -= turns[i].times;
  }
  return past_end;
}

// The content with every "cache_control" removed: the CLI marks the newest message with it,
// so the first user message carries it in the first request only.
json without_cache_control(const json& value) {
  if (!value.is_structured()) return value;
  json copy = value;
  if (copy.is_object()) copy.erase("cache_control");
  for (auto& element : copy) element = without_cache_control(element);
  return copy;
}

}  // namespace

bool is_compaction_request(const json& body) {
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) return false;
  const json& last = messages->back();
  if (!last.is_object() || last.value("role", "") != "user") return false;
  // The CLI's instruction ends the request: "... an <analysis> block followed by a <summary>
  // block" (2.1.330), or "... with the summary inside <summary></summary> tags".
  const std::string text = last.value("content", json()).dump();
  return text.find("<summary> block") != std::string::npos ||
         text.find("<summary></summary>") != std::string::npos;
}

bool is_side_request(const json& body) {
  auto tools = body.find("tools");
  return tools == body.end() || !tools->is_array() || tools->empty();
}

int assistant_turns(const json& body) {
  int count = 0;
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return 0;
  for (const auto& message : *messages) {
    if (message.is_object() && message.value("role", "") == "assistant") ++count;
  }
  return count;
}

std::string conversation_key(const json& body, std::string_view session_header) {
  std::string key(session_header.empty() ? session_from_metadata(body) : session_header);
  key += '\n';
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return key;
  for (const auto& message : *messages) {
    if (message.is_object() && message.value("role", "") == "user") {
      return key + without_cache_control(message.value("content", json())).dump();
    }
  }
  return key;
}

json substitute_iteration(const json& value, int iteration) {
  if (value.is_string()) {
    static constexpr std::string_view kPlaceholder = "{{iteration}}";
    std::string text = value.get<std::string>();
    std::string number = std::to_string(iteration);
    for (auto at = text.find(kPlaceholder); at != std::string::npos;
         at = text.find(kPlaceholder, at + number.size())) {
      text.replace(at, kPlaceholder.size(), number);
    }
    return text;
  }
  if (value.is_structured()) {
    json copy = value;
    for (auto& element : copy) element = substitute_iteration(element, iteration);
    return copy;
  }
  return value;
}

Script::Script(Scenario scenario) : scenario_(std::move(scenario)) {
  exhausted_.turns.push_back(text_turn("(scenario exhausted)", scenario_.default_usage));
  finished_ = text_turn("(scenario: conversation finished)", scenario_.default_usage);
}

const Conversation& Script::conversation(int number) const {
  auto index = static_cast<std::size_t>(number - 1);
  if (index < scenario_.conversations.size()) return scenario_.conversations[index];
  if (scenario_.when_exhausted == WhenExhausted::kRepeatLastConversation) {
    return scenario_.conversations.back();
  }
  return exhausted_;
}

Reply Script::answer(const json& body, std::string_view session_header) {
  Reply reply;
  if (is_compaction_request(body)) {
    reply.turn = text_turn("<summary>(scenario: the conversation so far)</summary>",
                           scenario_.default_usage);
    reply.message_id = fmt::format("msg_compact_{}", ++side_requests_);
    return reply;
  }
  if (is_side_request(body)) {
    reply.turn = text_turn("(scenario: side request)", Usage{0, 0, 0, 0, std::nullopt});
    reply.message_id = fmt::format("msg_side_{}", ++side_requests_);
    return reply;
  }
  auto entry = conversations_
                   .try_emplace(conversation_key(body, session_header), conversations_started() + 1)
                   .first;
  reply.conversation = entry->second;
  reply.turn_index = assistant_turns(body);
  reply.attempt = attempts_[{reply.conversation, reply.turn_index}]++;
  const Turn* turn = pick_turn(conversation(reply.conversation), reply.turn_index, reply.attempt);
  reply.turn = turn != nullptr ? *turn : finished_;
  reply.turn.text = substitute_iteration(reply.turn.text, reply.conversation).get<std::string>();
  reply.turn.input = substitute_iteration(reply.turn.input, reply.conversation);
  reply.turn.error.message =
      substitute_iteration(reply.turn.error.message, reply.conversation).get<std::string>();
  auto suffix = fmt::format("{}_{}_{}", reply.conversation, reply.turn_index, reply.attempt);
  reply.message_id = "msg_" + suffix;
  reply.tool_use_id = "toolu_" + suffix;
  return reply;
}

}  // namespace fake_api
