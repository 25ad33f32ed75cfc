#include "meter/cost_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>

#include "meter/record_text.hpp"
#include "util/fd.hpp"
#include "util/file_lines.hpp"
#include "util/fs.hpp"

namespace ralph::meter {

namespace {

// How many bytes the record parser may read past a line's end.
constexpr size_t kPadding = 64;
constexpr size_t kBlock = 1 << 20;

}  // namespace

Status CostLog::append(const IterationRecord& record) const {
  return append_line_synced(path_, record_json(record));
}

Result<ScanSummary> CostLog::scan_views(uint64_t offset,
                                        const std::function<void(const RecordView&)>& visit) const {
  ScanSummary summary;
  RecordParser parser;
  RecordView view;
  auto read = read_lines_from(path_, offset, kPadding, [&](std::string_view line) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    if (parser.read(line, kPadding, view)) {
      ++summary.records;
      visit(view);
    } else {
      ++summary.skipped_lines;
    }
  });
  if (!read) return read.error();
  summary.end_offset = read->end_offset;
  summary.partial_tail = read->partial_tail;
  return summary;
}

Result<ScanSummary> CostLog::scan(uint64_t offset,
                                  const std::function<void(const IterationRecord&)>& visit) const {
  IterationRecord record;
  return scan_views(offset, [&](const RecordView& view) {
    assign(record, view);
    visit(record);
  });
}

Result<CostLogContents> CostLog::read_from(uint64_t offset) const {
  CostLogContents contents;
  auto summary =
      scan(offset, [&](const IterationRecord& record) { contents.records.push_back(record); });
  if (!summary) return summary.error();
  contents.skipped_lines = summary->skipped_lines;
  contents.end_offset = summary->end_offset;
  contents.partial_tail = summary->partial_tail;
  return contents;
}

Result<std::optional<IterationRecord>> CostLog::last_record() const {
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<IterationRecord>();
    return make_error(fmt::format("cannot read {}: {}", path_.string(), errno_text(errno)));
  }
  off_t end = ::lseek(fd.get(), 0, SEEK_END);
  if (end < 0)
    return make_error(fmt::format("cannot read {}: {}", path_.string(), errno_text(errno)));
  RecordParser parser;
  // Ever larger windows at the end: a record line is far shorter than the first one.
  for (off_t window = kBlock / 16;; window *= 4) {
    off_t start = std::max<off_t>(0, end - window);
    std::string text(static_cast<size_t>(end - start), '\0');
    ssize_t n = ::pread(fd.get(), text.data(), text.size(), start);
    if (n < 0)
      return make_error(fmt::format("cannot read {}: {}", path_.string(), errno_text(errno)));
    text.resize(static_cast<size_t>(n));
    size_t first = start == 0 ? 0 : text.find('\n') + 1;  // the first line may be cut
    std::string_view lines(text);
    if (first == 0 && start != 0) lines = {};
    lines.remove_prefix(std::min(first, lines.size()));
    while (!lines.empty()) {
      size_t cut = lines.find_last_of('\n', lines.size() - 2);
      std::string_view line = cut == std::string_view::npos ? lines : lines.substr(cut + 1);
      if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
      if (auto record = parser.parse(line)) return record;
      lines = cut == std::string_view::npos ? std::string_view() : lines.substr(0, cut + 1);
    }
    if (start == 0) return std::optional<IterationRecord>();
  }
}

Result<CostLogContents> CostLog::read_all() const {
  auto contents = read_from(0);
  if (contents && contents->partial_tail) ++contents->skipped_lines;  // torn by a crash
  return contents;
}

}  // namespace ralph::meter
