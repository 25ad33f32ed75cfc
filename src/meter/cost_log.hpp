// The append-only cost log, .ralph/iterations.jsonl: one record per line, fsynced.
#pragma once

#include <filesystem>
#include <vector>

#include "meter/record.hpp"
#include "util/result.hpp"

namespace ralph::meter {

struct CostLogContents {
  std::vector<IterationRecord> records;
  int skipped_lines = 0;  // torn or foreign lines, tolerated
};

class CostLog {
 public:
  explicit CostLog(std::filesystem::path path) : path_(std::move(path)) {}

  Status append(const IterationRecord& record) const;
  // Every record in file order; a missing log is empty. A torn last line (a crash in the
  // middle of a write) or any other unreadable line is skipped and counted.
  Result<CostLogContents> read_all() const;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ralph::meter
