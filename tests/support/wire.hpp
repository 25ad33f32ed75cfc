// The wire format of the Messages API: server-sent events for a streamed answer, the JSON
// message of a non-streamed one, and the plain JSON body of an error answer.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "scenario.hpp"

namespace fake_api {

// "event: NAME\ndata: JSON\n\n"
std::string sse_event(std::string_view name, const nlohmann::json& data);

// The message_start event: carries the id, the model and the usage (output_tokens 1).
std::string message_start(const std::string& message_id, const std::string& model,
                          const Usage& usage);

// Everything after message_start for a text or tool_use turn: one content block, then
// message_delta (stop_reason and the final output_tokens) and message_stop.
std::string message_rest(const Turn& turn, const std::string& tool_use_id);

// The whole message, for a request with "stream": false (the CLI falls back to one after a
// broken stream).
nlohmann::json message_json(const Turn& turn, const std::string& message_id,
                            const std::string& tool_use_id, const std::string& model);

// {"type":"error","error":{"type":...,"message":...}}
nlohmann::json error_body(const ApiError& error);

}  // namespace fake_api
