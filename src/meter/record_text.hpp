// A record's JSON text, written and read without building a DOM: the cost log can hold
// hundreds of thousands of lines, and `ralph costs` and `ralph status` read all of them.
// This is the one place that decides a record's JSON form; to_json/record_from_json in
// record.hpp go through it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "meter/record.hpp"
#include "meter/record_view.hpp"

namespace ralph::meter {

// Appends the record as one line of compact JSON (no newline).
void append_record_json(std::string& out, const IterationRecord& record);
std::string record_json(const IterationRecord& record);

// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);
// Appends a number as JSON: the shortest text that reads back the same; null if not finite.
void append_json_number(std::string& out, double value);

// Reads record lines. One parser serves many lines, so reuse it.
class RecordParser {
 public:
  RecordParser();
  ~RecordParser();
  RecordParser(const RecordParser&) = delete;
  RecordParser& operator=(const RecordParser&) = delete;

  // A record from one line, into a view of it that is valid until the next read and while
  // the line is (README "Files ralph writes"); false when the line is not a record (not JSON,
  // torn, or without `run_id` and `iteration`). Missing or mistyped fields take their
  // defaults; numbers are clamped to their field's range. `readable_after` says how many
  // bytes after the line may be read (with fewer than 64 the line is copied first). The fast
  // scan of record_scan.hpp reads the lines it can; the DOM reader the rest.
  bool read(std::string_view line, size_t readable_after, RecordView& out);
  // The DOM reader alone: what `read` gives for any line the scan leaves to it.
  bool read_dom(std::string_view line, size_t readable_after, RecordView& out);
  // The same, copied into a record.
  std::optional<IterationRecord> parse(std::string_view line, size_t readable_after = 0);
  // Into `out`, reusing its storage; false (and `out` unspecified) when not a record.
  bool parse_into(std::string_view line, size_t readable_after, IterationRecord& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  // The line with at least 64 readable bytes after it: itself, or a padded copy.
  std::string_view padded(std::string_view line, size_t readable_after);
};

}  // namespace ralph::meter
