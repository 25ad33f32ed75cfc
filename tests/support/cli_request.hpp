// Test helper: a Messages request body shaped like the ones Claude Code sends.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace fake_api::testing {

// A request for turn `turn` (that many assistant messages) of the conversation started by
// `prompt`; with `tools` false it is a side request. Like the CLI's, only the newest content
// block carries cache_control.
inline nlohmann::json cli_request(const std::string& prompt, int turn = 0, bool tools = true) {
  using nlohmann::json;
  json messages = json::array();
  messages.push_back({{"role", "user"},
                      {"content",
                       {{{"type", "text"}, {"text", "<system-reminder>x</system-reminder>"}},
                        {{"type", "text"}, {"text", prompt}}}}});
  messages.push_back({{"role", "system"}, {"content", "mid-conversation system message"}});
  for (int k = 0; k < turn; ++k) {
    std::string id = "toolu_" + std::to_string(k);
    messages.push_back(
        {{"role", "assistant"},
         {"content",
          {{{"type", "tool_use"}, {"id", id}, {"name", "Bash"}, {"input", json::object()}}}}});
    messages.push_back({{"role", "user"},
                        {"content",
                         {{{"type", "tool_result"},
                           {"tool_use_id", id},
                           {"content", "ok"},
                           {"is_error", false}}}}});
  }
  // Like the CLI, mark the newest content block for prompt caching.
  json& newest_user = turn == 0 ? messages.front() : messages.back();
  newest_user["content"].back()["cache_control"] = {{"type", "ephemeral"}};
  json body = {{"model", "claude-sonnet-5"}, {"messages", messages}, {"stream", true}};
  if (tools) body["tools"] = json::array({{{"name", "Bash"}}});
  return body;
}

}  // namespace fake_api::testing
