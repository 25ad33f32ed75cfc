#include "script.hpp"

#include <string>

#include <gtest/gtest.h>

#include "cli_request.hpp"

namespace fake_api {
namespace {

using fake_api::testing::cli_request;

Script script_of(const std::string& text) {
  return Script(parse_scenario_text(text, "s"));
}

TEST(Script, TheSamePromptInANewSessionIsANewConversation) {
  Script script = script_of(R"({"conversations": [{"turns": [{"text": "one"}]},
                                                   {"turns": [{"text": "two"}]}]})");
  EXPECT_EQ(script.answer(cli_request("go"), "session-a").turn.text, "one");
  EXPECT_EQ(script.answer(cli_request("go"), "session-b").turn.text, "two");
  EXPECT_EQ(script.conversations_started(), 2);
}

TEST(Script, ARetriedFirstRequestStaysInItsConversation) {
  Script script = script_of(R"({"conversations": [{"turns": [{"text": "one"}]},
                                                   {"turns": [{"text": "two"}]}]})");
  Reply first = script.answer(cli_request("go"), "s");
  Reply retry = script.answer(cli_request("go"), "s");
  EXPECT_EQ(retry.conversation, 1);
  EXPECT_EQ(retry.attempt, 1);
  EXPECT_NE(first.message_id, retry.message_id);
  EXPECT_EQ(script.conversations_started(), 1);
}

TEST(Script, TheSessionIdCanComeFromTheMetadata) {
  Script script = script_of(R"({"conversations": [{"turns": [{"text": "one"}]},
                                                   {"turns": [{"text": "two"}]}]})");
  auto body = cli_request("go");
  body["metadata"]["user_id"] = R"({"device_id":"d","session_id":"s1"})";
  EXPECT_EQ(script.answer(body, "").conversation, 1);
  body["metadata"]["user_id"] = R"({"device_id":"d","session_id":"s2"})";
  EXPECT_EQ(script.answer(body, "").conversation, 2);
}

TEST(Script, TurnKIsAnsweredByTheKthTurn) {
  Script script = script_of(R"({"conversations": [{"turns": [
      {"tool": "Bash", "input": {"command": "echo {{iteration}}"}}, {"text": "done"}]}]})");
  Reply tool = script.answer(cli_request("go"), "s");
  EXPECT_EQ(tool.turn.kind, Turn::Kind::kToolUse);
  EXPECT_EQ(tool.turn.input["command"], "echo 1");
  EXPECT_EQ(tool.message_id, "msg_1_0_0");
  EXPECT_EQ(tool.tool_use_id, "toolu_1_0_0");
  Reply text = script.answer(cli_request("go", 1), "s");
  EXPECT_EQ(text.turn.text, "done");
  EXPECT_EQ(text.conversation, 1) << "the follow-up moved cache_control, nothing else";
  EXPECT_EQ(text.turn_index, 1);
  EXPECT_EQ(script.answer(cli_request("go", 2), "s").turn.text,
            "(scenario: conversation finished)");
}

TEST(Script, ErrorTurnsAreConsumedByAttemptsOfTheSameTurn) {
  Script script = script_of(R"({"conversations": [{"turns": [
      {"tool": "Bash", "input": {}},
      {"error": {"status": 429}, "times": 2},
      {"error": {"status": 529}},
      {"text": "done"}]}]})");
  EXPECT_EQ(script.answer(cli_request("go"), "s").turn.kind, Turn::Kind::kToolUse);
  EXPECT_EQ(script.answer(cli_request("go", 1), "s").turn.error.status, 429);
  EXPECT_EQ(script.answer(cli_request("go", 1), "s").turn.error.status, 429);
  EXPECT_EQ(script.answer(cli_request("go", 1), "s").turn.error.status, 529);
  Reply done = script.answer(cli_request("go", 1), "s");
  EXPECT_EQ(done.turn.text, "done");
  EXPECT_EQ(done.attempt, 3);
  EXPECT_EQ(done.message_id, "msg_1_1_3");
}

TEST(Script, RepeatLastTurnGoesOnForever) {
  Script script = script_of(R"({"conversations": [{"turns": [
      {"tool": "Bash", "input": {"command": "true"}}], "repeat_last_turn": true}]})");
  for (int k = 0; k < 5; ++k) {
    Reply reply = script.answer(cli_request("go", k), "s");
    EXPECT_EQ(reply.turn.kind, Turn::Kind::kToolUse);
    EXPECT_EQ(reply.message_id, "msg_1_" + std::to_string(k) + "_0");
  }
}

TEST(Script, AnErrorRepeatedAsTheLastTurnFailsEveryAttempt) {
  Script script = script_of(R"({"conversations": [{"turns": [
      {"error": {"status": 401}}], "repeat_last_turn": true}]})");
  for (int attempt = 0; attempt < 4; ++attempt) {
    EXPECT_EQ(script.answer(cli_request("go"), "s").turn.error.status, 401);
  }
}

TEST(Script, WhenExhaustedEndTurn) {
  Script script = script_of(R"({"conversations": [{"turns": [{"text": "one"}]}]})");
  script.answer(cli_request("go"), "a");
  EXPECT_EQ(script.answer(cli_request("go"), "b").turn.text, "(scenario exhausted)");
}

TEST(Script, WhenExhaustedRepeatLastConversationSubstitutesTheIteration) {
  Script script = script_of(R"({"conversations": [{"turns": [{"text": "it {{iteration}}"}]}],
                                "when_exhausted": "repeat_last_conversation"})");
  EXPECT_EQ(script.answer(cli_request("go"), "a").turn.text, "it 1");
  EXPECT_EQ(script.answer(cli_request("go"), "b").turn.text, "it 2");
  EXPECT_EQ(script.answer(cli_request("go"), "c").turn.text, "it 3");
}

TEST(Script, SideRequestsAreNotConversations) {
  Script script = script_of(R"({"conversations": [{"turns": [{"text": "one"}]}]})");
  Reply side = script.answer(cli_request("title?", 0, /*tools=*/false), "s");
  EXPECT_EQ(side.conversation, 0);
  EXPECT_EQ(side.turn.kind, Turn::Kind::kText);
  EXPECT_EQ(script.conversations_started(), 0);
  EXPECT_EQ(script.answer(cli_request("go"), "s").turn.text, "one");
}

}  // namespace
}  // namespace fake_api
