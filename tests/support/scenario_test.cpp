#include "scenario.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace fake_api {
namespace {

std::string parse_error_of(const std::string& text) {
  try {
    parse_scenario_text(text, "s.json");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Scenario, ParsesTheDocumentedExample) {
  Scenario s = parse_scenario_text(R"({
    "description": "three items",
    "default_usage": {"input_tokens": 1000, "output_tokens": 200},
    "conversations": [
      {"turns": [
        {"tool": "Bash", "input": {"command": "echo one > one.txt"}},
        {"text": "Done.", "usage": {"input_tokens": 5000, "output_tokens": 300}}
      ]},
      {"turns": [{"error": {"status": 429, "retry_after": 1}, "times": 2},
                 {"tool": "Bash", "input": {"command": "sleep 1"}, "delay_ms": 5}],
       "repeat_last_turn": true}
    ],
    "when_exhausted": "repeat_last_conversation"
  })",
                                   "s.json");
  EXPECT_EQ(s.description, "three items");
  ASSERT_EQ(s.conversations.size(), 2u);
  const Turn& tool = s.conversations[0].turns[0];
  EXPECT_EQ(tool.kind, Turn::Kind::kToolUse);
  EXPECT_EQ(tool.tool, "Bash");
  EXPECT_EQ(tool.input["command"], "echo one > one.txt");
  EXPECT_EQ(tool.usage.input_tokens, 1000);
  const Turn& text = s.conversations[0].turns[1];
  EXPECT_EQ(text.kind, Turn::Kind::kText);
  EXPECT_EQ(text.usage.input_tokens, 5000);
  EXPECT_EQ(text.usage.cache_read_input_tokens, 0);
  const Turn& error = s.conversations[1].turns[0];
  EXPECT_EQ(error.kind, Turn::Kind::kError);
  EXPECT_EQ(error.error.status, 429);
  EXPECT_EQ(error.error.type, "rate_limit_error");
  EXPECT_EQ(error.error.retry_after, 1);
  EXPECT_EQ(error.times, 2);
  EXPECT_TRUE(error.fails());
  EXPECT_EQ(s.conversations[1].turns[1].delay_ms, 5);
  EXPECT_TRUE(s.conversations[1].repeat_last_turn);
  EXPECT_EQ(s.when_exhausted, WhenExhausted::kRepeatLastConversation);
}

TEST(Scenario, DefaultsWhenOptionalKeysAreMissing) {
  Scenario s = parse_scenario_text(R"({"conversations": [{"turns": [{"text": "hi"}]}]})", "s");
  EXPECT_EQ(s.default_usage.input_tokens, 1000);
  EXPECT_EQ(s.default_usage.output_tokens, 200);
  EXPECT_EQ(s.when_exhausted, WhenExhausted::kEndTurn);
  EXPECT_FALSE(s.conversations[0].repeat_last_turn);
}

TEST(Scenario, OneHourCacheWritesArePartOfTheCacheWrites) {
  Scenario s = parse_scenario_text(R"({
    "default_usage": {"cache_creation_input_tokens": 500, "cache_creation_1h_input_tokens": 200},
    "conversations": [{"turns": [
      {"text": "a"},
      {"text": "b", "usage": {"cache_creation_input_tokens": 900}},
      {"text": "c", "usage": {"cache_creation_1h_input_tokens": 0}}]}]})",
                                   "s");
  const auto& turns = s.conversations[0].turns;
  EXPECT_EQ(turns[0].usage.cache_creation_1h_input_tokens, 200);
  EXPECT_EQ(turns[1].usage.cache_creation_input_tokens, 900);
  EXPECT_EQ(turns[1].usage.cache_creation_1h_input_tokens, 200);
  EXPECT_EQ(turns[2].usage.cache_creation_1h_input_tokens, 0);
  Scenario plain = parse_scenario_text(R"({"conversations": [{"turns": [{"text": "a"}]}]})", "s");
  EXPECT_FALSE(plain.conversations[0].turns[0].usage.cache_creation_1h_input_tokens);
  EXPECT_EQ(parse_error_of(R"({"conversations": [{"turns": [{"text": "x", "usage":
                {"cache_creation_input_tokens": 10, "cache_creation_1h_input_tokens": 11}}]}]})"),
            "s.json: conversations[0].turns[0].usage.cache_creation_1h_input_tokens: expected at "
            "most cache_creation_input_tokens (10): the 1-hour writes are part of the cache "
            "writes");
}

TEST(Scenario, HangAndDropTurnsNeedNoContent) {
  Scenario s = parse_scenario_text(
      R"({"conversations": [{"turns": [{"hang": true, "hang_after_start": true},
                                       {"drop_after_start": true, "times": 3}]}]})",
      "s");
  EXPECT_EQ(s.conversations[0].turns[0].kind, Turn::Kind::kStall);
  EXPECT_TRUE(s.conversations[0].turns[0].fails());
  EXPECT_EQ(s.conversations[0].turns[1].times, 3);
}

TEST(Scenario, NamesTheFileThePlaceAndTheClosestKey) {
  EXPECT_EQ(parse_error_of(R"({"conversations": [{"turns": [{"tol": "Bash"}]}]})"),
            "s.json: conversations[0].turns[0]: unknown key \"tol\" (did you mean \"tool\"?)");
}

TEST(Scenario, RejectsWhatCannotBeMeant) {
  EXPECT_EQ(parse_error_of(R"({"conversations": [{"turns": [{"tool": "Bash", "text": "x"}]}]})"),
            "s.json: conversations[0].turns[0]: a turn has exactly one of \"tool\", \"text\" or "
            "\"error\"");
  EXPECT_EQ(parse_error_of(R"({"conversations": [{"turns": [{"text": "x", "times": 2}]}]})"),
            "s.json: conversations[0].turns[0].times: only an error, \"hang\" or "
            "\"drop_after_start\" turn takes \"times\"");
  EXPECT_EQ(parse_error_of(R"({"conversations": [{"turns": [{"error": {"type": "x"}}]}]})"),
            "s.json: conversations[0].turns[0].error: missing \"status\" (the HTTP status, e.g. "
            "429)");
  EXPECT_EQ(parse_error_of(R"({"conversations": [{"turns": []}]})"),
            "s.json: conversations[0].turns: expected a non-empty array of turns");
  EXPECT_EQ(parse_error_of(R"({"conversations": [], "when_exhausted": "loop"})"),
            "s.json: when_exhausted: unknown value \"loop\": expected \"end_turn\" or "
            "\"repeat_last_conversation\"");
  EXPECT_EQ(parse_error_of(R"({"conversations": [{"turns": [{"text": 1}]}]})"),
            "s.json: conversations[0].turns[0].text: expected a string");
}

TEST(Scenario, ReportsTheLineOfAJsonSyntaxError) {
  EXPECT_EQ(
      parse_error_of("{\n  \"conversations\": [,]\n}").rfind("s.json: parse error at line 2", 0),
      0u);
}

TEST(Scenario, LoadsTheReadmeExample) {
  Scenario s = load_scenario(FAKE_API_EXAMPLE_SCENARIO);
  ASSERT_EQ(s.conversations.size(), 3u);
  EXPECT_TRUE(s.conversations[1].turns[2].drop_after_start);
  EXPECT_TRUE(s.conversations[2].repeat_last_turn);
}

TEST(Scenario, LoadReportsAMissingFile) {
  EXPECT_THROW(load_scenario("/nonexistent/scenario.json"), std::runtime_error);
}

}  // namespace
}  // namespace fake_api
