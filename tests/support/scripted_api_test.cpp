#include "scripted_api.hpp"

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "cli_request.hpp"

namespace fake_api {
namespace {

using fake_api::testing::cli_request;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr char kPath[] = "/v1/messages?beta=true";

std::unique_ptr<ScriptedApi> started(const std::string& scenario) {
  auto api = std::make_unique<ScriptedApi>(parse_scenario_text(scenario, "s"));
  api->start();
  return api;
}

httplib::Result post(int port, const json& body, const std::string& session = "s") {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  return client.Post(kPath, {{"X-Claude-Code-Session-Id", session}}, body.dump(),
                     "application/json");
}

struct Event {
  std::string name;
  json data;
};

// Splits a server-sent-event stream into its events.
std::vector<Event> parse_events(const std::string& stream) {
  std::vector<Event> events;
  std::size_t at = 0;
  for (auto end = stream.find("\n\n"); end != std::string::npos;
       at = end + 2, end = stream.find("\n\n", at)) {
    std::string event = stream.substr(at, end - at);
    auto newline = event.find('\n');
    EXPECT_EQ(event.rfind("event: ", 0), 0u) << event;
    EXPECT_EQ(event.find("data: ", newline), newline + 1) << event;
    events.push_back({event.substr(7, newline - 7), json::parse(event.substr(newline + 7))});
  }
  EXPECT_EQ(at, stream.size()) << "unterminated event";
  return events;
}

std::vector<std::string> names(const std::vector<Event>& events) {
  std::vector<std::string> result;
  for (const auto& event : events) result.push_back(event.name);
  return result;
}

TEST(ScriptedApi, StreamsAToolUseThenAnEndTurn) {
  auto api = started(R"({"conversations": [{"turns": [
      {"tool": "Bash", "input": {"command": "echo hi > out.txt"}},
      {"text": "all done", "usage": {"input_tokens": 5000, "output_tokens": 300}}]}]})");
  httplib::Client client("127.0.0.1", api->port());
  EXPECT_EQ(client.Get("/")->status, 200);

  auto first = post(api->port(), cli_request("go"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->get_header_value("Content-Type"), "text/event-stream");
  auto events = parse_events(first->body);
  ASSERT_EQ(names(events),
            (std::vector<std::string>{"message_start", "content_block_start", "content_block_delta",
                                      "content_block_stop", "message_delta", "message_stop"}));
  for (const auto& event : events) EXPECT_EQ(event.data["type"], event.name);
  const json& message = events[0].data["message"];
  EXPECT_EQ(message["id"], "msg_1_0_0");
  EXPECT_EQ(message["model"], "claude-sonnet-5");
  EXPECT_EQ(message["usage"], json::parse(R"({"input_tokens": 1000, "output_tokens": 1,
      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0})"));
  EXPECT_EQ(events[1].data["content_block"],
            json::parse(R"({"type":"tool_use","id":"toolu_1_0_0","name":"Bash","input":{}})"));
  EXPECT_EQ(events[2].data["delta"]["type"], "input_json_delta");
  EXPECT_EQ(json::parse(events[2].data["delta"]["partial_json"].get<std::string>()),
            json::parse(R"({"command": "echo hi > out.txt"})"));
  EXPECT_EQ(events[4].data["delta"]["stop_reason"], "tool_use");
  EXPECT_EQ(events[4].data["usage"]["output_tokens"], 200);

  auto second = post(api->port(), cli_request("go", 1));
  ASSERT_TRUE(second);
  events = parse_events(second->body);
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].data["message"]["id"], "msg_1_1_0");
  EXPECT_EQ(events[0].data["message"]["usage"]["input_tokens"], 5000);
  EXPECT_EQ(events[2].data["delta"], json::parse(R"({"type":"text_delta","text":"all done"})"));
  EXPECT_EQ(events[4].data["delta"]["stop_reason"], "end_turn");
  EXPECT_EQ(events[4].data["usage"]["output_tokens"], 300);
  EXPECT_EQ(api->requests_served(), 2);
  EXPECT_EQ(api->conversations_started(), 1);
  ASSERT_EQ(api->requests().size(), 2u);
  EXPECT_EQ(api->requests()[1], cli_request("go", 1));
}

TEST(ScriptedApi, SplitsCacheWritesByLifetimeWhenTheScenarioSaysHow) {
  auto api = started(R"({"conversations": [{"turns": [
      {"tool": "Bash", "input": {"command": "ls"},
       "usage": {"cache_creation_input_tokens": 3000, "cache_creation_1h_input_tokens": 1000}},
      {"text": "done", "usage": {"cache_creation_input_tokens": 3000}}]}]})");
  auto events = parse_events(post(api->port(), cli_request("go"))->body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].data["message"]["usage"], json::parse(R"({"input_tokens": 1000,
      "output_tokens": 1, "cache_creation_input_tokens": 3000, "cache_read_input_tokens": 0,
      "cache_creation": {"ephemeral_5m_input_tokens": 2000, "ephemeral_1h_input_tokens": 1000}})"));
  auto body = cli_request("go", 1);
  body["stream"] = false;
  auto whole = json::parse(post(api->port(), body)->body);
  // A turn that does not say how has no breakdown, as before.
  EXPECT_FALSE(whole["usage"].contains("cache_creation")) << whole.dump();
  EXPECT_EQ(whole["usage"]["cache_creation_input_tokens"], 3000);
}

TEST(ScriptedApi, AnswersErrorsWithTheirStatusAndRetryAfter) {
  auto api = started(R"({"conversations": [{"turns": [
      {"error": {"status": 429, "message": "slow down", "retry_after": 1}}, {"text": "ok"}]}]})");
  auto error = post(api->port(), cli_request("go"));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 429);
  EXPECT_EQ(error->get_header_value("retry-after"), "1");
  EXPECT_EQ(json::parse(error->body),
            json::parse(R"({"type":"error","error":{"type":"rate_limit_error",
                                                      "message":"slow down"}})"));
  auto retried = post(api->port(), cli_request("go"));
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 200);
  EXPECT_NE(retried->body.find(R"("text":"ok")"), std::string::npos);
}

TEST(ScriptedApi, OtherPathsAndBadBodiesAreHarmless) {
  auto api = started(R"({"conversations": []})");
  httplib::Client client("127.0.0.1", api->port());
  auto count = client.Post("/v1/messages/count_tokens", "{}", "application/json");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->status, 200);
  auto bad = client.Post(kPath, "not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(api->requests_served(), 0);
}

TEST(ScriptedApi, TellsTheObserverAboutEachRequest) {
  auto api = std::make_unique<ScriptedApi>(
      parse_scenario_text(R"({"conversations": [{"turns": [{"text": "hi"}]}]})", "s"));
  std::vector<json> seen;
  api->set_observer([&](const json& summary) { seen.push_back(summary); });
  api->start();
  ASSERT_TRUE(post(api->port(), cli_request("go")));
  api->stop();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]["conversation"], 1);
  EXPECT_EQ(seen[0]["answer"], "text");
  EXPECT_EQ(seen[0]["message_id"], "msg_1_0_0");
  EXPECT_EQ(seen[0]["session_id"], "s");
}

TEST(ScriptedApi, DropAfterStartBreaksTheStream) {
  auto api = started(R"({"conversations": [{"turns": [
      {"drop_after_start": true}, {"text": "ok"}]}]})");
  auto dropped = post(api->port(), cli_request("go"));
  EXPECT_FALSE(dropped) << "a complete answer arrived: " << dropped->body;
  auto retried = post(api->port(), cli_request("go"));
  ASSERT_TRUE(retried);
  EXPECT_NE(retried->body.find(R"("text":"ok")"), std::string::npos);
}

TEST(ScriptedApi, ANonStreamingRequestGetsTheWholeMessage) {
  // The CLI falls back to "stream": false after a broken stream.
  auto api = started(R"({"conversations": [{"turns": [
      {"tool": "Bash", "input": {"command": "ls"}, "usage": {"output_tokens": 7}}]}]})");
  auto body = cli_request("go");
  body["stream"] = false;
  auto answer = post(api->port(), body);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(answer->body), json::parse(R"({
      "id": "msg_1_0_0", "type": "message", "role": "assistant", "model": "claude-sonnet-5",
      "content": [{"type": "tool_use", "id": "toolu_1_0_0", "name": "Bash",
                   "input": {"command": "ls"}}],
      "stop_reason": "tool_use", "stop_sequence": null,
      "usage": {"input_tokens": 1000, "output_tokens": 7, "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0}})"));
}

TEST(ScriptedApi, ATakenPortIsAnError) {
  auto api = started(R"({"conversations": []})");
  ScriptedApi second(parse_scenario_text(R"({"conversations": []})", "s"));
  EXPECT_THROW(second.start(api->port()), std::runtime_error);
}

TEST(ScriptedApi, StopWithoutStartIsHarmless) {
  ScriptedApi api(parse_scenario_text(R"({"conversations": []})", "s"));
  api.stop();
  EXPECT_FALSE(api.wait_for_requests(1, milliseconds(0)));
}

// A request that never gets its answer must not keep stop() waiting.
void expect_stop_is_prompt(const std::string& scenario) {
  auto api = started(scenario);
  auto answer = std::async(std::launch::async,
                           [port = api->port()] { return post(port, cli_request("go")); });
  ASSERT_TRUE(api->wait_for_requests(1, milliseconds(10000)));
  auto before = steady_clock::now();
  api->stop();
  EXPECT_LT(steady_clock::now() - before, milliseconds(1000));
  auto result = answer.get();
  EXPECT_TRUE(!result || result->status == 503);
}

TEST(ScriptedApi, StopEndsAHangingRequest) {
  expect_stop_is_prompt(R"({"conversations": [{"turns": [{"hang": true}]}]})");
}

TEST(ScriptedApi, StopEndsAHangingStream) {
  expect_stop_is_prompt(
      R"({"conversations": [{"turns": [{"hang": true, "hang_after_start": true}]}]})");
}

TEST(ScriptedApi, StopEndsADelay) {
  expect_stop_is_prompt(R"({"conversations": [{"turns": [{"text": "x", "delay_ms": 60000}]}]})");
}

TEST(ScriptedApi, StopWithAnIdleKeepAliveConnectionIsPrompt) {
  auto api = started(R"({"conversations": [{"turns": [{"text": "hi"}]}]})");
  httplib::Client client("127.0.0.1", api->port());
  client.set_keep_alive(true);
  ASSERT_TRUE(client.Get("/"));
  auto before = steady_clock::now();
  api->stop();
  EXPECT_LT(steady_clock::now() - before, milliseconds(1000));
}

}  // namespace
}  // namespace fake_api
