// The fast scan of cost log lines against the DOM reader: on what ralph writes, on what older
// versions wrote, and on lines broken every way a crash, an editor or another tool breaks
// them, the two read the same record, and a line printed as it is reads as what ralph writes.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>
#include <string>

#include "meter/record_scan.hpp"
#include "meter/record_text.hpp"

namespace ralph {
namespace {

using meter::IterationRecord;
using meter::RecordView;

class Random {
 public:
  // `hostile`: the percentage of pieces of text that need escaping or are not ASCII.
  Random(uint64_t seed, int hostile) : engine_(seed), hostile_(hostile) {}
  uint64_t below(uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }

  std::string text() {
    static const char* const kPieces[] = {"US-001",
                                          "a",
                                          "claude-sonnet-5-5",
                                          "\xc3\xa9",
                                          "\xe2\x86\x92",
                                          "\xf0\x9f\x98\x80",
                                          " ",
                                          "\"",
                                          "\\",
                                          "\n",
                                          "\t",
                                          "\x01",
                                          "\x7f",
                                          "}",
                                          "{",
                                          ",",
                                          ":",
                                          "null"};
    std::string out;
    for (uint64_t n = below(5); n > 0; --n) {
      out += kPieces[chance(hostile_) ? 3 + below(std::size(kPieces) - 3) : below(3)];
    }
    return out;
  }

  std::optional<std::string> maybe_text() {
    if (chance(30)) return std::nullopt;
    return text();
  }

  std::vector<std::string> texts() {
    std::vector<std::string> out;
    for (uint64_t n = below(4); n > 0; --n) out.push_back(text());
    return out;
  }

  int64_t count(int64_t hi) {
    switch (below(6)) {
      case 0:
        return 0;
      case 1:
        return hi;
      case 2:
        return static_cast<int64_t>(below(10));
      default:
        return static_cast<int64_t>(below(static_cast<uint64_t>(hi)));
    }
  }

  double money() {
    switch (below(6)) {
      case 0:
        return 0;
      case 1:
        return static_cast<double>(below(1000)) / 100;
      case 2:
        return 1e-7 * static_cast<double>(below(100));
      case 3:
        return 1e300 * static_cast<double>(below(10));
      default:
        return static_cast<double>(below(2'000'000)) / 1e6 +
               1.0 / 3 * static_cast<double>(below(3));
    }
  }

  meter::Usage usage() {
    return {count(1'000'000), count(1'000'000'000), count(1'000'000), count(1'000'000'000)};
  }

  IterationRecord record() {
    IterationRecord r;
    r.run_id = chance(80) ? "20261123-101500-ab12" : text();
    r.iteration = static_cast<int>(count(INT32_MAX));
    r.started_at = chance(80) ? "2026-11-23T10:15:00.000Z" : text();
    r.ended_at = chance(80) ? "2026-11-23T10:16:02.513Z" : text();
    r.duration_ms = count(INT64_MAX / 2);
    r.item_id = maybe_text();
    r.model = chance(80) ? "claude-sonnet-5-5" : text();
    r.usage = usage();
    r.cost_usd = money();
    r.cost_source = chance(50) ? "agent" : "estimated";
    r.num_turns = static_cast<int>(count(1000));
    r.outcome = chance(80) ? "success" : text();
    r.items_completed = texts();
    r.commit = maybe_text();
    r.session_id = maybe_text();
    for (uint64_t n = below(4); n > 0; --n) {
      r.models[chance(60) ? fmt::format("claude-{}", below(5)) : text()] = {usage(), money()};
    }
    r.peak_context_tokens = count(1'000'000);
    if (chance(50)) r.peak_context_fraction = money();
    r.compactions = static_cast<int>(count(10));
    r.agent_commits = texts();
    r.claimed_complete = chance(50);
    r.agent_subtype = chance(80) ? "success" : text();
    r.exit_code = static_cast<int>(count(INT32_MAX)) * (chance(20) ? -1 : 1);
    if (chance(50)) r.metered_cost_usd = money();
    r.stray_processes = static_cast<int>(count(5));
    r.lingered = chance(20);
    r.history_rewritten = chance(20);
    if (chance(20)) {
      r.rejected_by = text();
      r.rejected_items = texts();
    }
    if (chance(50)) r.tier = static_cast<int>(count(4));
    r.escalated_from = chance(20) ? std::optional<std::string>(text()) : std::nullopt;
    r.model_reason = text();
    if (chance(50)) r.complexity = text();
    if (chance(50)) r.prompt_digest = text();
    if (chance(50)) r.claude_md_digest = text();
    r.anomalies = texts();
    if (chance(50)) r.progress = chance(50);
    if (chance(50)) r.item_try = chance(50);
    if (chance(30)) r.worktree = text();
    return r;
  }

 private:
  std::mt19937_64 engine_;
  int hostile_;
};

// The line with the read-ahead the scan needs after it.
struct Padded {
  // Plain bytes after the line, no terminator: the scan must stop at the line's end itself.
  explicit Padded(std::string_view line) : text(std::string(line) + std::string(64, 'a')) {}
  std::string_view line() const { return {text.data(), text.size() - 64}; }
  std::string text;
};

// Breaks a written line the ways lines get broken.
std::string mutate(std::string line, Random& random) {
  const size_t at = random.below(line.size());
  switch (random.below(12)) {
    case 0:  // torn by a crash
      return line.substr(0, at);
    case 1:  // a byte changed
      line[at] = "{}[]\",:0-.e9 \\\x80\xff"[random.below(16)];
      return line;
    case 2:  // a byte lost
      return line.erase(at, 1);
    case 3:  // spaced, as another tool writes JSON
      return line.insert(line.find(',', at) == std::string::npos ? 1 : line.find(',', at) + 1, " ");
    case 4: {  // a number written another way
      static const char* const kForms[] = {
          "1.0", "1e2", "-0", "-0.0", "0.5e-3", "123456789012345678901234", "-5", "1E+2", "2.50"};
      size_t colon = line.find(":", at);
      size_t digit = line.find_first_of("0123456789", colon == std::string::npos ? 0 : colon);
      if (digit == std::string::npos) return line;
      size_t end = line.find_first_not_of("0123456789.e-+", digit);
      return line.replace(digit, end - digit, kForms[random.below(std::size(kForms))]);
    }
    case 5: {  // a value of another type
      static const char* const kValues[] = {"null", "true", "\"x\"", "[]", "{}", "[1]", "7"};
      size_t colon = line.find("\":", at);
      if (colon == std::string::npos) return line;
      size_t end = line.find_first_of(",}", colon + 2);
      if (line[colon + 2] == '{' || line[colon + 2] == '[') end = line.find_first_of("]}", colon);
      return line.replace(colon + 2, end - colon - 2, kValues[random.below(std::size(kValues))]);
    }
    case 6:  // a field ralph does not know
      return line.insert(1, "\"extra\":{\"a\":[1,2]},");
    case 7: {  // a field given twice
      size_t comma = line.find(",\"", at);
      if (comma == std::string::npos) return line;
      size_t next = line.find(",\"", comma + 1);
      return line.insert(line.size() - 1, line.substr(comma, next - comma));
    }
    case 8: {  // a field left out, as older versions wrote
      size_t comma = line.find(",\"", at);
      if (comma == std::string::npos) return line;
      size_t next = line.find(",\"", comma + 1);
      if (next == std::string::npos) next = line.size() - 1;
      return line.erase(comma, next - comma);
    }
    case 9: {  // the first field moved to the end
      size_t comma = line.find(",\"");
      return "{" + line.substr(comma + 1, line.size() - comma - 2) + "," +
             line.substr(1, comma - 1) + "}";
    }
    case 10:  // trailing bytes
      return line + (random.chance(50) ? " " : "x");
    default:  // a record in a record
      return line.insert(at, line.substr(0, random.below(line.size())));
  }
}

// What a view reads as, in the form ralph writes.
std::string as_written(const RecordView& view) {
  return meter::record_json(meter::to_record(view));
}

TEST(RecordScanTest, ReadsWhatRalphWritesAsWrittenWithoutTheDomReader) {
  Random random(1, 30);
  RecordView view;
  for (int i = 0; i < 5000; ++i) {
    IterationRecord record = random.record();
    const std::string line = meter::record_json(record);
    ASSERT_EQ(as_written(RecordView(record)), line);  // a view of a record held in memory
    Padded padded(line);
    bool escapes = line.find('\\') != std::string::npos;
    if (escapes) continue;  // escaped text is the DOM reader's
    ASSERT_TRUE(meter::scan_record(padded.line(), view)) << line;
    EXPECT_EQ(as_written(view), line);
    EXPECT_EQ(meter::verbatim_json(view), line);
  }
}

TEST(RecordScanTest, AgreesWithTheDomReaderOnBrokenAndForeignLines) {
  Random random(2, 2);
  meter::RecordParser parser;
  RecordView fast;
  RecordView dom;
  int scanned = 0;
  int broken_but_records = 0;
  int not_records = 0;
  for (int i = 0; i < 40000; ++i) {
    std::string line = meter::record_json(random.record());
    for (uint64_t n = 1 + random.below(3); n > 0 && !line.empty(); --n) line = mutate(line, random);
    Padded padded(line);
    bool is_record = parser.read_dom(padded.line(), 64, dom);
    not_records += !is_record;
    if (!meter::scan_record(padded.line(), fast)) continue;
    ++scanned;
    ASSERT_TRUE(is_record) << line;
    ASSERT_EQ(as_written(fast), as_written(dom)) << line;
    if (!meter::verbatim_json(fast).empty()) {
      EXPECT_EQ(as_written(fast), line);
    } else {
      ++broken_but_records;
    }
  }
  // The test sees each kind of line: scanned ones, scanned ones not in the written form, and
  // lines that are no record at all.
  EXPECT_GT(scanned, 3000);
  EXPECT_GT(broken_but_records, 2000);
  EXPECT_GT(not_records, 10000);
}

TEST(RecordScanTest, ThroughTheParserEveryLineReadsAsTheDomReaderReadsIt) {
  Random random(3, 10);
  meter::RecordParser parser;
  meter::RecordParser dom_parser;
  RecordView view;
  RecordView dom;
  for (int i = 0; i < 20000; ++i) {
    std::string line = meter::record_json(random.record());
    if (random.chance(50)) line = mutate(line, random);
    bool read = parser.read(line, 0, view);  // no read-ahead: the parser pads a copy
    ASSERT_EQ(read, dom_parser.read_dom(line, 0, dom)) << line;
    if (read) {
      ASSERT_EQ(as_written(view), as_written(dom)) << line;
    }
  }
}

TEST(RecordScanTest, OlderFormsAreScannedButNotPrintedAsTheyAre) {
  RecordView view;
  Padded old(R"({"run_id":"r","iteration":3,"cost_usd":0.5,"outcome":"success"})");
  ASSERT_TRUE(meter::scan_record(old.line(), view));
  EXPECT_EQ(view.run_id, "r");
  EXPECT_EQ(view.iteration, 3);
  EXPECT_EQ(view.cost_usd, 0.5);
  EXPECT_TRUE(meter::verbatim_json(view).empty());

  Padded escaped(R"({"run_id":"r\n","iteration":3})");
  EXPECT_FALSE(meter::scan_record(escaped.line(), view));  // the DOM reader's
  meter::RecordParser parser;
  ASSERT_TRUE(parser.read(escaped.line(), 64, view));
  EXPECT_EQ(view.run_id, "r\n");

  Padded torn(R"({"run_id":"r","iteration":3,"mod)");
  EXPECT_FALSE(meter::scan_record(torn.line(), view));
  EXPECT_FALSE(parser.read(torn.line(), 64, view));
}

}  // namespace
}  // namespace ralph
