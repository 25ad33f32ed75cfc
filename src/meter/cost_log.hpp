// The append-only cost log, .ralph/iterations.jsonl: one record per line, fsynced.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "meter/record.hpp"
#include "meter/record_view.hpp"
#include "util/result.hpp"

namespace ralph::meter {

struct CostLogContents {
  std::vector<IterationRecord> records;
  int skipped_lines = 0;  // torn or foreign lines, tolerated
  // Where the next read_from should start: the end of the last complete line read.
  uint64_t end_offset = 0;
  bool partial_tail = false;  // an unfinished last line follows end_offset
};

// What a scan saw.
struct ScanSummary {
  int records = 0;
  int skipped_lines = 0;      // torn or foreign lines, tolerated
  uint64_t end_offset = 0;    // the end of the last complete line
  bool partial_tail = false;  // an unfinished last line follows end_offset
};

class CostLog {
 public:
  explicit CostLog(std::filesystem::path path) : path_(std::move(path)) {}

  Status append(const IterationRecord& record) const;
  // Every record in file order; a missing log is empty. A torn last line (a crash in the
  // middle of a write) or any other unreadable line is skipped and counted.
  Result<CostLogContents> read_all() const;
  // Calls `visit` with each record of the complete lines from byte `offset` on, in file order,
  // reading in blocks: the whole log is never in memory. The record passed is reused for the
  // next line; copy what must outlive the call.
  Result<ScanSummary> scan(uint64_t offset,
                           const std::function<void(const IterationRecord&)>& visit) const;
  // The same with a view of each record, valid during the call: nothing is copied.
  Result<ScanSummary> scan_views(uint64_t offset,
                                 const std::function<void(const RecordView&)>& visit) const;
  // The records of the complete lines from byte `offset` on: what was appended since an
  // earlier read ended there. A last line still being written is left for the next read.
  Result<CostLogContents> read_from(uint64_t offset) const;

  // The newest readable record, found from the end without reading the whole log.
  Result<std::optional<IterationRecord>> last_record() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ralph::meter
