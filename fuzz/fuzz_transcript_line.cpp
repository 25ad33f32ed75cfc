// Fuzzes the reader of Claude Code's transcripts (~/.claude/projects/*/*.jsonl), files another
// program writes and ralph only reads: each line through the cheap filter
// (may_be_assistant_line) and the on-demand parse (TranscriptLineParser), in place with the
// input's following bytes as simdjson's padding and as a padded copy.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.hpp"
#include "meter/transcript_usage.hpp"
#include "meter/usage.hpp"

namespace {

using ralph::meter::may_be_assistant_line;
using ralph::meter::ParsedLine;
using ralph::meter::TranscriptLineParser;

// A line the filter rejects is never an assistant line (the header's promise), short of
// escapes in its keys, which Claude Code never writes and the filter does not read.
constexpr bool kCheckFilterAgreement = true;

// One parser for every line of every input, as scan_transcripts keeps one per thread.
TranscriptLineParser& parser() {
  static TranscriptLineParser instance;
  return instance;
}

// A ParsedLine with its views copied out, since they live only until the next parse.
struct Owned {
  bool ok = false;
  bool sidechain = false;
  std::string message_id, request_id, model, session_id, cwd, version;
  int64_t at_ms = 0;
  ralph::meter::Usage usage;
  int64_t cache_write_1h = 0;
  bool operator==(const Owned&) const = default;
};

uint64_t hash_bytes(std::string_view text, uint64_t hash) {
  for (char c : text) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211u;
  return hash;
}

// A view the parser handed out: empty, or at most as long as the line (unescaping only
// shortens), and readable to its end (AddressSanitizer checks the reads).
void check_view(std::string_view view, std::string_view line, uint64_t& hash) {
  if (view.empty()) return;
  RALPH_FUZZ_CHECK(view.size() <= line.size());
  hash = hash_bytes(view, hash);
}

Owned check_parsed(const ParsedLine& out, std::string_view line) {
  Owned owned;
  owned.ok = out.ok;
  if (!out.ok) return owned;
  uint64_t hash = 14695981039346656037u;
  for (auto view :
       {out.message_id, out.request_id, out.model, out.session_id, out.cwd, out.version}) {
    check_view(view, line, hash);
  }
  volatile uint64_t sink = hash;  // the reads above must happen
  (void)sink;
  const auto& u = out.usage;
  RALPH_FUZZ_CHECK(u.input_tokens >= 0);
  RALPH_FUZZ_CHECK(u.output_tokens >= 0);
  RALPH_FUZZ_CHECK(u.cache_creation_input_tokens >= 0);
  RALPH_FUZZ_CHECK(u.cache_read_input_tokens >= 0);
  RALPH_FUZZ_CHECK(out.cache_write_1h >= 0);
  RALPH_FUZZ_CHECK(out.cache_write_1h <= u.cache_creation_input_tokens);
  owned.sidechain = out.sidechain;
  owned.message_id = out.message_id;
  owned.request_id = out.request_id;
  owned.model = out.model;
  owned.session_id = out.session_id;
  owned.cwd = out.cwd;
  owned.version = out.version;
  owned.at_ms = out.at_ms;
  owned.usage = u;
  owned.cache_write_1h = out.cache_write_1h;
  return owned;
}

// `line` parsed in place, with `readable_after` bytes of the input after it (whatever they
// hold), and parsed from the padded copy: the same result either way. Except after a '}':
// simdjson 3 checks that the braces balance only when the byte after the document is one
// (check_root_object), so a line with one '}' too many or too few may parse one way and not
// the other.
Owned check_line(std::string_view line, size_t readable_after) {
  ParsedLine out;
  parser().parse(line, readable_after, out);
  Owned in_place = check_parsed(out, line);
  parser().parse(line, 0, out);
  Owned copied = check_parsed(out, line);
  bool brace_after = readable_after > 0 && line.data()[line.size()] == '}';
  if (!brace_after) RALPH_FUZZ_CHECK(in_place == copied);
  return in_place;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start < text.size()) {
    size_t newline = text.find('\n', start);
    size_t end = newline == std::string_view::npos ? text.size() : newline;
    std::string_view line = text.substr(start, end - start);
    size_t after = text.size() - end;  // the '\n' and everything after it
    bool filter = may_be_assistant_line(line);
    Owned whole = check_line(line, after);
    if constexpr (kCheckFilterAgreement) {
      // Escapes (`"typ\u0065"`) are beyond the filter; it reads the bytes as written.
      if (!filter && line.find('\\') == std::string_view::npos) RALPH_FUZZ_CHECK(!whole.ok);
    }
    // A torn line (the file's writer mid-line), with the rest of the line as the bytes after
    // it: a half-written line and garbage in the padding.
    if (!line.empty()) {
      (void)check_line(line.substr(0, line.size() - 1), after + 1);
      (void)check_line(line.substr(0, line.size() / 2), after + line.size() - line.size() / 2);
    }
    start = end + 1;
  }
  return 0;
}
