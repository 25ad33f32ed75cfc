#include "wire.hpp"

#include <fmt/format.h>

namespace fake_api {

using nlohmann::json;

namespace {

json usage_json(const Usage& usage, std::int64_t output_tokens) {
  json out = {{"input_tokens", usage.input_tokens},
              {"cache_creation_input_tokens", usage.cache_creation_input_tokens},
              {"cache_read_input_tokens", usage.cache_read_input_tokens},
              {"output_tokens", output_tokens}};
  if (usage.cache_creation_1h_input_tokens) {
    const std::int64_t one_hour = *usage.cache_creation_1h_input_tokens;
    out["cache_creation"] = {
        {"ephemeral_5m_input_tokens", usage.cache_creation_input_tokens - one_hour},
        {"ephemeral_1h_input_tokens", one_hour}};
  }
  return out;
}

// The content block, with its input or text when `filled` (else as content_block_start has it).
json content_block(const Turn& turn, const std::string& tool_use_id, bool filled) {
  if (turn.kind == Turn::Kind::kToolUse) {
    return {{"type", "tool_use"},
            {"id", tool_use_id},
            {"name", turn.tool},
            {"input", filled ? turn.input : json::object()}};
  }
  return {{"type", "text"}, {"text", filled ? turn.text : ""}};
}

const char* stop_reason(const Turn& turn) {
  return turn.kind == Turn::Kind::kToolUse ? "tool_use" : "end_turn";
}

}  // namespace

std::string sse_event(std::string_view name, const json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", name, data.dump());
}

std::string message_start(const std::string& message_id, const std::string& model,
                          const Usage& usage) {
  json message = {
      {"id", message_id},         {"type", "message"},
      {"role", "assistant"},      {"model", model},
      {"content", json::array()}, {"stop_reason", nullptr},
      {"stop_sequence", nullptr}, {"usage", usage_json(usage, 1)},
  };
  return sse_event("message_start", {{"type", "message_start"}, {"message", message}});
}

std::string message_rest(const Turn& turn, const std::string& tool_use_id) {
  const bool tool_use = turn.kind == Turn::Kind::kToolUse;
  json block = content_block(turn, tool_use_id, /*filled=*/false);
  json delta = tool_use ? json{{"type", "input_json_delta"}, {"partial_json", turn.input.dump()}}
                        : json{{"type", "text_delta"}, {"text", turn.text}};
  std::string out;
  out += sse_event("content_block_start",
                   {{"type", "content_block_start"}, {"index", 0}, {"content_block", block}});
  out += sse_event("content_block_delta",
                   {{"type", "content_block_delta"}, {"index", 0}, {"delta", delta}});
  out += sse_event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}});
  out += sse_event(
      "message_delta",
      {{"type", "message_delta"},
       {"delta", {{"stop_reason", tool_use ? "tool_use" : "end_turn"}, {"stop_sequence", nullptr}}},
       {"usage", {{"output_tokens", turn.usage.output_tokens}}}});
  out += sse_event("message_stop", {{"type", "message_stop"}});
  return out;
}

json message_json(const Turn& turn, const std::string& message_id, const std::string& tool_use_id,
                  const std::string& model) {
  return {{"id", message_id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", model},
          {"content", json::array({content_block(turn, tool_use_id, /*filled=*/true)})},
          {"stop_reason", stop_reason(turn)},
          {"stop_sequence", nullptr},
          {"usage", usage_json(turn.usage, turn.usage.output_tokens)}};
}

json error_body(const ApiError& error) {
  return {{"type", "error"}, {"error", {{"type", error.type}, {"message", error.message}}}};
}

}  // namespace fake_api
