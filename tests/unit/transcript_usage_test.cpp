// Reading Claude Code's transcripts: each API response counted once, whatever the files repeat.
#include "meter/transcript_usage.hpp"

#include <gtest/gtest.h>

#include <map>

#include <fmt/format.h>

#include "temp_dir.hpp"
#include "util/clock.hpp"

namespace ralph::meter {
namespace {

using ralph::testing::TempDir;

struct Line {
  std::string message_id = "msg_1";
  std::string request_id = "req_1";  // "": the line has none
  std::string session = "s1";
  std::string model = "claude-sonnet-5-5";
  std::string time = "2026-12-02T10:00:00.000Z";
  int64_t input = 100, output = 10, cache_write = 0, cache_read = 0;
  std::string breakdown;  // a cache_creation object, when not empty
  bool sidechain = false;
};

// An assistant line as Claude Code 2.1.330 writes it (keys in its order).
std::string assistant(const Line& l) {
  std::string id = l.message_id.empty() ? "" : fmt::format(R"("id":"{}",)", l.message_id);
  std::string breakdown = l.breakdown.empty() ? "" : ",\"cache_creation\":" + l.breakdown;
  std::string request =
      l.request_id.empty() ? "" : fmt::format(R"("requestId":"{}",)", l.request_id);
  return fmt::format(
      R"({{"parentUuid":"p","isSidechain":{},"message":{{"content":[{{"type":"text","text":"hi"}}],{}"model":"{}","role":"assistant","type":"message","usage":{{"input_tokens":{},"cache_creation_input_tokens":{},"cache_read_input_tokens":{},"output_tokens":{}{},"service_tier":"standard"}}}},{}"type":"assistant","uuid":"u","timestamp":"{}","cwd":"/home/me/app","sessionId":"{}","version":"2.1.330"}})",
      l.sidechain ? "true" : "false", id, l.model, l.input, l.cache_write, l.cache_read, l.output,
      breakdown, request, l.time, l.session);
}

struct Totals {
  Usage usage;
  int64_t entries = 0;
  double cost = 0;
};

Totals totals(const UsageScan& scan) {
  Totals t;
  for (const auto& e : scan.entries) {
    t.usage += e.usage;
    t.cost += e.cost_usd;
    ++t.entries;
  }
  return t;
}

UsageScan scan_of(const TempDir& dir, unsigned threads = 1) {
  return scan_transcripts({{dir.path() / "projects"}, threads}, PricingTable::builtin());
}

TEST(TranscriptUsageTest, TheLinesOfOneStreamedResponseCountOnceWithTheirLargestCounts) {
  TempDir dir;
  Line first;
  first.output = 1;  // the first content block's line: a partial output count
  Line second = first;
  second.output = 250;
  second.time = "2026-12-02T10:00:01.000Z";
  dir.write("projects/-home-me-app/s1.jsonl", assistant(first) + "\n" + assistant(second) + "\n");
  UsageScan scan = scan_of(dir);
  ASSERT_EQ(scan.entries.size(), 1u);
  EXPECT_EQ(scan.entries[0].usage.output_tokens, 250);
  EXPECT_EQ(scan.entries[0].usage.input_tokens, 100);
  EXPECT_EQ(scan.entries[0].at_ms, std::chrono::duration_cast<std::chrono::milliseconds>(
                                       parse_rfc3339_utc(first.time)->time_since_epoch())
                                       .count());
  EXPECT_EQ(scan.duplicates, 1);
  EXPECT_NEAR(scan.entries[0].cost_usd,
              PricingTable::builtin().turn_cost("claude-sonnet-5-5", scan.entries[0].usage), 1e-12);
}

TEST(TranscriptUsageTest, AResumedSessionsVerbatimCopyCountsOnceForTheSessionThatHadItFirst) {
  TempDir dir;
  Line original;
  original.session = "old";
  Line later = original;
  later.message_id = "msg_2";
  later.request_id = "req_2";
  later.session = "new";
  later.time = "2026-12-02T11:00:00.000Z";
  dir.write("projects/-home-me-app/old.jsonl", assistant(original) + "\n");
  // The resumed session's file starts with the earlier session's lines.
  Line copy = original;  // verbatim: it names the earlier session
  dir.write("projects/-home-me-app/new.jsonl", assistant(copy) + "\n" + assistant(later) + "\n");
  for (unsigned threads : {1u, 4u}) {
    UsageScan scan = scan_of(dir, threads);
    ASSERT_EQ(scan.entries.size(), 2u) << threads;
    EXPECT_EQ(scan.sessions[scan.entries[0].session].id, "old") << threads;
    EXPECT_EQ(scan.sessions[scan.entries[1].session].id, "new") << threads;
    EXPECT_EQ(totals(scan).usage.input_tokens, 200) << threads;
  }
}

TEST(TranscriptUsageTest, ASidechainReplayUnderANewRequestIdGivesWayToTheMainChainEntry) {
  TempDir dir;
  Line main;
  Line replay = main;  // a `/btw` side question replays the parent message
  replay.sidechain = true;
  replay.request_id = "req_btw";
  replay.time = "2026-12-02T10:05:00.000Z";
  Line side;  // the side question's own answer counts
  side.sidechain = true;
  side.message_id = "msg_side";
  side.request_id = "req_side";
  dir.write("projects/p/s1.jsonl",
            assistant(replay) + "\n" + assistant(main) + "\n" + assistant(side) + "\n");
  UsageScan scan = scan_of(dir);
  ASSERT_EQ(scan.entries.size(), 2u);
  EXPECT_EQ(totals(scan).usage.input_tokens, 200);
}

TEST(TranscriptUsageTest, TwoRequestsOfOneMessageIdOnTheMainChainAreTwoResponses) {
  TempDir dir;
  Line a;
  Line b = a;
  b.request_id = "req_2";
  dir.write("projects/p/s1.jsonl", assistant(a) + "\n" + assistant(b) + "\n");
  EXPECT_EQ(scan_of(dir).entries.size(), 2u);
}

TEST(TranscriptUsageTest, SubagentFilesCountForTheirSessionAndProgressCopiesDoNot) {
  TempDir dir;
  Line parent;
  Line sub;
  sub.message_id = "msg_sub";
  sub.request_id = "req_sub";
  sub.sidechain = true;
  sub.input = 7;
  // The parent's file repeats the subagent's message in an agent_progress line.
  std::string progress = fmt::format(
      R"({{"type":"progress","data":{{"type":"agent_progress","message":{}}},"sessionId":"s1","timestamp":"2026-12-02T10:00:00.000Z"}})",
      assistant(sub));
  dir.write("projects/p/s1.jsonl", assistant(parent) + "\n" + progress + "\n");
  dir.write("projects/p/s1/subagents/agent-1.jsonl", assistant(sub) + "\n");
  UsageScan scan = scan_of(dir);
  ASSERT_EQ(scan.entries.size(), 2u);
  EXPECT_EQ(totals(scan).usage.input_tokens, 107);
  EXPECT_EQ(scan.sessions.size(), 1u);
  EXPECT_EQ(scan.sessions[0].id, "s1");
  EXPECT_EQ(scan.sessions[0].project, "p");
}

TEST(TranscriptUsageTest, LinesWithoutAMessageIdAreNeverMerged) {
  TempDir dir;
  Line unnamed;
  unnamed.message_id = "";
  Line no_request;
  no_request.message_id = "msg_9";
  no_request.request_id = "";
  dir.write("projects/p/s1.jsonl", assistant(unnamed) + "\n" + assistant(unnamed) + "\n" +
                                       assistant(no_request) + "\n" + assistant(no_request) + "\n");
  dir.write("projects/p/s2.jsonl", assistant(unnamed) + "\n");
  for (unsigned threads : {1u, 2u}) {
    UsageScan scan = scan_of(dir, threads);
    EXPECT_EQ(scan.entries.size(), 4u) << threads;  // 3 without an id, 1 by message id alone
  }
}

TEST(TranscriptUsageTest, CacheWritesTakeTheLargerOfTheTotalAndItsBreakdown) {
  TempDir dir;
  Line zeroed;  // 2.1.330: the breakdown zeroed while the total says 300
  zeroed.cache_write = 300;
  zeroed.breakdown = R"({"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0})";
  Line only_breakdown;
  only_breakdown.message_id = "msg_2";
  only_breakdown.breakdown = R"({"ephemeral_1h_input_tokens":40,"ephemeral_5m_input_tokens":60})";
  dir.write("projects/p/s1.jsonl", assistant(zeroed) + "\n" + assistant(only_breakdown) + "\n");
  UsageScan scan = scan_of(dir);
  ASSERT_EQ(scan.entries.size(), 2u);
  EXPECT_EQ(totals(scan).usage.cache_creation_input_tokens, 400);
  int64_t hour_writes = 0;
  for (const auto& e : scan.entries) hour_writes += e.cache_write_1h;
  EXPECT_EQ(hour_writes, 40);
}

TEST(TranscriptUsageTest, SpacedJsonCountsAndOtherLinesDoNot) {
  TempDir dir;
  std::string spaced =
      R"({ "type" : "assistant", "message": { "id": "msg_s", "model": "claude-opus-5-5", "role": "assistant", "usage": { "input_tokens": 5, "output_tokens": 6 } }, "timestamp": "2026-12-02T10:00:00Z", "sessionId": "s1" })";
  // A user line quoting an assistant line in a tool result, a request blob holding an assistant
  // message, and a synthetic response: none of them is a response of the API.
  std::string user = fmt::format(
      R"({{"type":"user","message":{{"role":"user","content":[{{"type":"tool_result","content":{}}}]}},"timestamp":"2026-12-02T10:00:00.000Z","sessionId":"s1"}})",
      nlohmann::json(assistant(Line{})).dump());
  std::string blob =
      R"({"type":"api-request-blob","sessionId":"s1","message":{"role":"assistant","usage":{"input_tokens":999}}})";
  Line synthetic;
  synthetic.message_id = "msg_syn";
  synthetic.model = "<synthetic>";
  dir.write("projects/p/s1.jsonl", spaced + "\n" + user + "\n" + blob + "\n" +
                                       assistant(synthetic) + "\nnot json\n{\"type\":\n");
  UsageScan scan = scan_of(dir);
  ASSERT_EQ(scan.entries.size(), 1u);
  EXPECT_EQ(scan.entries[0].usage.input_tokens, 5);
  EXPECT_EQ(scan.entries[0].usage.output_tokens, 6);
  EXPECT_EQ(scan.models[scan.entries[0].model], "claude-opus-5-5");
}

TEST(TranscriptUsageTest, TheCheapFilterFindsTheTopLevelTypeOnly) {
  EXPECT_TRUE(may_be_assistant_line(R"({"type":"assistant"})"));
  EXPECT_TRUE(may_be_assistant_line(R"({"role":"assistant","x":1,"type" :  "assistant"})"));
  EXPECT_FALSE(may_be_assistant_line(R"({"role":"assistant","type":"user"})"));
  EXPECT_FALSE(may_be_assistant_line(R"({"text":"\"type\":\"assistant\""})"));
  EXPECT_FALSE(may_be_assistant_line(""));
}

// Found by fuzz/fuzz_transcript_line.cpp: what a malformed line leaves is never counted.
TEST(TranscriptUsageTest, AMalformedOrForeignLineIsNeverOk) {
  TranscriptLineParser parser;
  ParsedLine out;
  const std::string t = R"("timestamp":"2026-11-30T10:00:00Z")";
  for (
      const std::string& line : std::vector<std::string>{
          // a usage object, then a user's type or role
          R"({"message":{"id":"m1","usage":{"input_tokens":5}},"type":"user",)" + t + "}",
          R"({"type":"assistant","message":{"usage":{"input_tokens":5},"role":"user"},)" + t + "}",
          // a good usage object, then a malformed one
          R"({"type":"assistant","message":{"usage":{"input_tokens":5},"usage":{"a" 5}},)" + t +
              "}",
          // no timestamp, or one out of any clock's range
          R"({"type":"assistant","message":{"usage":{"input_tokens":5}}})",
          R"({"type":"assistant","message":{"usage":{"input_tokens":5}},"timestamp":"1013-01-01T00:00:00Z"})",
      }) {
    parser.parse(line, 0, out);
    EXPECT_FALSE(out.ok) << line;
  }
  // 1-hour writes read before the usage object broke stay within the cache writes.
  parser.parse(
      R"({"type":"assistant","message":{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":700} 5}},"timestamp":"2026-11-30T10:00:00Z"})",
      0, out);
  EXPECT_FALSE(out.ok);
  EXPECT_LE(out.cache_write_1h, out.usage.cache_creation_input_tokens);
  // A breakdown whose parts overflow saturates.
  parser.parse(
      R"({"type":"assistant","message":{"usage":{"cache_creation":{"a":9223372036854775807,"b":9223372036854775807}}},"timestamp":"2026-11-30T10:00:00Z"})",
      0, out);
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.usage.cache_creation_input_tokens, INT64_MAX);
}

TEST(TranscriptUsageTest, ALastLineWithoutANewlineAndLinesLongerThanTheReadBlockCount) {
  TempDir dir;
  std::string big =
      fmt::format(R"({{"type":"user","message":{{"content":"{}"}},"sessionId":"s1"}})",
                  std::string(3 << 20, 'x'));  // longer than the reader's 1 MiB block
  Line a;
  Line b;
  b.message_id = "msg_2";
  dir.write("projects/p/s1.jsonl", assistant(a) + "\n" + big + "\n" + assistant(b));
  UsageScan scan = scan_of(dir);
  EXPECT_EQ(scan.entries.size(), 2u);
  EXPECT_EQ(scan.lines_parsed, 2);  // the long user line never reached the parser
}

TEST(TranscriptUsageTest, ThreadsChangeNothing) {
  TempDir dir;
  for (int s = 0; s < 20; ++s) {
    std::string lines;
    for (int m = 0; m < 30; ++m) {
      Line l;
      l.session = fmt::format("s{}", s);
      l.message_id = fmt::format("msg_{}_{}", s, m);
      l.request_id = fmt::format("req_{}_{}", s, m);
      l.input = s * 100 + m;
      l.time = fmt::format("2026-12-{:02}T{:02}:{:02}:00.000Z", 1 + s % 5, m % 24, s);
      lines += assistant(l) + "\n" + assistant(l) + "\n";
      // The next session resumes this one: it starts with a copy of its last line.
      if (m == 29) dir.write(fmt::format("projects/p/s{}.jsonl", s + 1), assistant(l) + "\n");
    }
    dir.write(fmt::format("projects/p/s{}.jsonl", s), lines);
  }
  UsageScan one = scan_of(dir, 1);
  UsageScan many = scan_of(dir, 4);
  ASSERT_EQ(one.entries.size(), 600u);
  ASSERT_EQ(many.entries.size(), 600u);
  EXPECT_EQ(totals(one).usage, totals(many).usage);
  std::map<std::string, int64_t> by_session_one, by_session_many;
  for (const auto& e : one.entries)
    by_session_one[one.sessions[e.session].id] += e.usage.input_tokens;
  for (const auto& e : many.entries) {
    by_session_many[many.sessions[e.session].id] += e.usage.input_tokens;
  }
  EXPECT_EQ(by_session_one, by_session_many);
}

TEST(TranscriptUsageTest, RootsComeFromClaudeConfigDirAndHome) {
  TempDir dir;
  dir.write("a/projects/p/s.jsonl", "");
  dir.write("b/projects/p/s.jsonl", "");
  dir.write("home/.claude/projects/p/s.jsonl", "");
  std::string list = (dir.path() / "a").string() + ", " + (dir.path() / "b").string() + "," +
                     (dir.path() / "missing").string() + "," + (dir.path() / "a").string();
  std::string home = (dir.path() / "home").string();
  auto roots = transcript_roots([&](const char* name) -> const char* {
    if (std::string(name) == "CLAUDE_CONFIG_DIR") return list.c_str();
    if (std::string(name) == "HOME") return home.c_str();
    return nullptr;
  });
  ASSERT_EQ(roots.size(), 3u);
  EXPECT_EQ(roots[0], dir.path() / "a" / "projects");
  EXPECT_EQ(roots[1], dir.path() / "b" / "projects");
  EXPECT_EQ(roots[2], dir.path() / "home" / ".claude" / "projects");
}

}  // namespace
}  // namespace ralph::meter
