// Every API response in Claude Code's transcripts, counted once (ARCHITECTURE "src/meter/"):
// the reader for usage reports and for pacing a loop to the 5-hour window. It sits beside
// transcript.hpp, which finds one session's transcript for recovery.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "meter/pricing.hpp"
#include "meter/usage.hpp"

namespace ralph::meter {

// One API response, deduplicated and priced.
struct UsageEntry {
  int64_t at_ms = 0;  // its timestamp, milliseconds since the epoch (UTC)
  Usage usage;
  int64_t cache_write_1h = 0;  // of usage.cache_creation_input_tokens
  double cost_usd = 0;         // ralph's pricing table, per response (tiers included)
  uint32_t model = 0;          // index into UsageScan::models
  uint32_t session = 0;        // index into UsageScan::sessions
};

struct UsageSession {
  std::string id;       // the lines' sessionId (else the file's name)
  std::string project;  // the folder under projects/ ("-home-me-app")
  std::string cwd;      // the working directory the lines name, when they do
  std::string version;  // the newest Claude Code version seen
};

struct UsageScan {
  std::vector<std::string> models;
  std::vector<UsageSession> sessions;
  std::vector<UsageEntry> entries;  // oldest first
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t lines_parsed = 0;  // lines that got past the cheap filter
  int64_t duplicates = 0;    // lines merged into another of the same response
  int64_t unreadable = 0;    // files that could not be read
};

// The folders holding transcripts: `projects/` under each folder of $CLAUDE_CONFIG_DIR (a
// comma-separated list), and under $HOME/.config/claude and $HOME/.claude; only those that
// exist, each once.
std::vector<std::filesystem::path> transcript_roots(
    const std::function<const char*(const char*)>& env);

struct ScanOptions {
  std::vector<std::filesystem::path> roots;
  unsigned threads = 0;  // 0: every core
};

// Reads every *.jsonl under the roots (subagents/ folders included) in parallel, and counts
// each API response once:
// - the lines of one response (one per content block, the earlier ones with a partial
//   output_tokens) and its verbatim copies in resumed sessions are one entry, keyed by the
//   message id and the request id, with the largest of each count, the earliest time and the
//   session that started first;
// - a sidechain line replaying a main-chain response under a new request id (a `/btw` side
//   question) gives way to the main-chain entry;
// - lines without a message id each count on their own; `progress` lines, which repeat what
//   the subagent files hold, and `<synthetic>` responses do not count.
// Ids are compared by 64-bit hashes. Memory grows with the number of responses (about 60
// bytes each), not with the size of the files, which are read in 1 MiB blocks.
UsageScan scan_transcripts(const ScanOptions& options, const PricingTable& pricing);

// What a transcript line holds of an assistant response; `ok` is false for any other line.
// The views point into the line or the parser and live until its next parse.
struct ParsedLine {
  bool ok = false;
  bool sidechain = false;
  std::string_view message_id;
  std::string_view request_id;
  std::string_view model;
  std::string_view session_id;
  std::string_view cwd;
  std::string_view version;
  int64_t at_ms = 0;
  Usage usage;  // cache writes: the larger of the total and its breakdown's sum
  int64_t cache_write_1h = 0;
};

// Whether `line` can be an assistant line at all: it holds `"type":"assistant"` (spaces
// allowed) outside a string. The cheap filter that keeps large tool results from the parser.
bool may_be_assistant_line(std::string_view line);

// Parses lines with simdjson's on-demand API; one parser serves many lines.
class TranscriptLineParser {
 public:
  TranscriptLineParser();
  ~TranscriptLineParser();
  TranscriptLineParser(const TranscriptLineParser&) = delete;
  TranscriptLineParser& operator=(const TranscriptLineParser&) = delete;

  // `readable_after`: how many bytes after the line may be read (with fewer than simdjson's
  // padding it copies the line).
  void parse(std::string_view line, size_t readable_after, ParsedLine& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ralph::meter
