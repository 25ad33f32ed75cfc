// util/: JSON positions, line splitting, durable files, suggestions, times.
#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "util/clock.hpp"
#include "util/fs.hpp"
#include "util/json_safe.hpp"
#include "util/json_text.hpp"
#include "util/line_splitter.hpp"
#include "util/suggest.hpp"

namespace ralph {
namespace {

TEST(JsonTextTest, LocatesMembersAndElements) {
  std::string text = "// comment\n{\n  \"a\": 1,\n  \"list\": [\n    {\"x\": true}\n  ]\n}";
  JsonLocations locations(text);
  EXPECT_EQ(locations.at("/a").line, 3);
  EXPECT_EQ(locations.at("/a").column, 3);
  EXPECT_EQ(locations.at("/list/0").line, 5);
  EXPECT_EQ(locations.at("/list/0/x").column, 6);
  EXPECT_EQ(locations.at("/list/0/missing").line, 5);  // nearest located parent
}

// Found by fuzz_prd (fuzz/corpus/fuzz_prd/comment-hides-a-bracket.json): text the JSON parser
// accepts but the locating scanner does not follow once made the scanner loop, without end and
// without bound on memory, on a 191-byte prd.json.
TEST(JsonTextTest, TextTheScannerDoesNotFollowEndsItsScan) {
  const std::string text = R"json(// The plan hft ore greetcript.
{
  "project": "greet", // shown in reports */
  "branchName": "",
  "userStories": [
    //;first the rity": 2./* "passes"se, "acceptCtacnier3333/: []}
  ]
}
)json";
  JsonSyntaxError syntax;
  if (!parse_json_text(text, syntax)) GTEST_SKIP() << "the parser refuses it: " << syntax.what;
  JsonLocations locations(text);  // returns
  EXPECT_EQ(locations.at("/userStories").line, 5);
}

TEST(JsonTextTest, ParseErrorsCarryPositions) {
  JsonSyntaxError error;
  EXPECT_FALSE(parse_json_text("{\n  \"a\": tru\n}", error));
  EXPECT_EQ(error.pos.line, 2);
  EXPECT_FALSE(error.what.empty());
  EXPECT_TRUE(parse_json_text("/* c */ {\"a\": 1 // c\n}", error));
}

TEST(JsonTextTest, HostileInputIsAnErrorNeverACrash) {
  JsonSyntaxError error;
  EXPECT_FALSE(parse_json_text(R"({"budget": 1e400})", error));  // out of range
  EXPECT_NE(error.what.find("1e400"), std::string::npos) << error.what;
  EXPECT_FALSE(parse_json_text(std::string("//\0"
                                           "0\0\n[\0",
                                           8),
                               error));  // NUL bytes
  EXPECT_EQ(error.pos.line, 1);
  EXPECT_NE(error.what.find("NUL"), std::string::npos);
  std::string deep(100'000, '[');
  EXPECT_FALSE(parse_json_text(deep + std::string(100'000, ']'), error));
  EXPECT_NE(error.what.find("nested"), std::string::npos);
  EXPECT_TRUE(json_nesting_exceeds(deep));
  EXPECT_FALSE(json_nesting_exceeds(R"({"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})", 3));
}

TEST(JsonSafeTest, IntegersAreClampedAndOverflowSaturates) {
  using nlohmann::json;
  EXPECT_EQ(json_int(json::parse("1e300"), 0, 100, -1), 100);
  EXPECT_EQ(json_int(json::parse("-5"), 0, 100, -1), 0);
  EXPECT_EQ(json_int(json::parse("18446744073709551615"), 0, 100, -1), 100);
  EXPECT_EQ(json_int(json::parse("\"7\""), 0, 100, -1), -1);
  EXPECT_EQ(json_int(json::parse("42.9"), 0, 100, -1), 42);
  EXPECT_EQ(saturating_add(INT64_MAX, 1), INT64_MAX);
  EXPECT_TRUE(json_member(json::parse("[1]"), "x").is_null());
}

TEST(LineSplitterTest, JoinsPiecesAndBoundsMemory) {
  std::vector<std::pair<std::string, bool>> lines;
  LineSplitter splitter(8, [&](std::string_view line, bool oversized) {
    lines.emplace_back(std::string(line), oversized);
  });
  splitter.feed("ab");
  splitter.feed("c\nde");
  splitter.feed("f\n0123456789abcdef");
  splitter.feed("ghij\nlast");
  splitter.finish();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], std::make_pair(std::string("abc"), false));
  EXPECT_EQ(lines[1], std::make_pair(std::string("def"), false));
  EXPECT_EQ(lines[2], std::make_pair(std::string("01234567"), true));
  EXPECT_EQ(lines[3], std::make_pair(std::string("last"), false));
}

TEST(FsTest, AtomicWriteReplacesAndLeavesNoTemporary) {
  testing::TempDir dir;
  auto path = dir.path() / "state.json";
  ASSERT_TRUE(write_file_atomic(path, "one"));
  ASSERT_TRUE(write_file_atomic(path, "two"));
  EXPECT_EQ(dir.read("state.json"), "two");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(FsTest, AppendAfterATornLineStartsANewLine) {
  testing::TempDir dir;
  dir.write("log.jsonl", "{\"a\":1}\n{\"torn\":");
  ASSERT_TRUE(append_line_synced(dir.path() / "log.jsonl", "{\"b\":2}"));
  EXPECT_EQ(dir.read("log.jsonl"), "{\"a\":1}\n{\"torn\":\n{\"b\":2}\n");
}

TEST(FsTest, ErrorsNameThePath) {
  auto missing = read_file("/nonexistent/file");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.message().find("/nonexistent/file"), std::string::npos);
}

TEST(SuggestTest, ClosestName) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(closest_name("buget", {"budget", "model"}), "budget");
  EXPECT_EQ(closest_name("xyzzy", {"budget", "model"}), "");
}

TEST(ClockTest, Rfc3339TimesWithAnOffsetAreReadAsTheTimeTheyName) {
  EXPECT_EQ(*parse_rfc3339_utc("2026-12-02T12:00:00.250+02:00"),
            *parse_rfc3339_utc("2026-12-02T10:00:00.250Z"));
  EXPECT_EQ(format_rfc3339(*parse_rfc3339_utc("2024-02-29T23:59:59.999Z")),
            "2024-02-29T23:59:59.999Z");
  EXPECT_FALSE(parse_rfc3339_utc("2026-13-02T10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_utc("yesterday"));
  // Found by fuzzing: only real days, years a clock can hold, nothing after the time.
  for (const char* bad :
       {"2026-02-29T10:00:00Z", "2026-04-31T10:00:00Z", "1013-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "2026-12-02T10:00:00.5Zjunk", "2026-12-02T10:00:00+25:00",
        "2026-12-02T10:00:00+02-00", "2026-12-02T10:00:00 "}) {
    EXPECT_FALSE(parse_rfc3339_utc(bad)) << bad;
  }
  EXPECT_TRUE(parse_rfc3339_utc("2026-12-02T10:00:00"));
  EXPECT_TRUE(parse_rfc3339_utc("2026-12-02T10:00:00.123456789Z"));
}

}  // namespace
}  // namespace ralph
