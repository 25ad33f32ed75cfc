#include "meter/cost_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <deque>

#include "meter/record_scan.hpp"
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

namespace {

// The records of each block, parsed into views on either thread; visited in file order. A
// line the DOM parser reads is copied into the slot (its view would point into the parser).
class RecordBlocks : public BlockWork {
 public:
  explicit RecordBlocks(const std::function<void(const RecordView&)>& visit) : visit_(visit) {}

  void parse(int slot, int worker, std::string_view lines) override {
    Slot& s = slots_[slot];
    s.records = 0;
    s.skipped = 0;
    s.owned.clear();
    for (size_t start = 0, end; start < lines.size(); start = end + 1) {
      end = lines.find('\n', start);
      std::string_view line = lines.substr(start, end - start);
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      if (s.records == s.views.size()) s.views.emplace_back();
      RecordView& view = s.views[s.records];
      if (scan_record(line, view)) {
        ++s.records;
      } else if (parsers_[worker].read_dom(line, kPadding, dom_[worker])) {
        view = RecordView(s.owned.emplace_back(to_record(dom_[worker])));
        ++s.records;
      } else {
        ++s.skipped;
      }
    }
  }

  void visit(int slot) override {
    Slot& s = slots_[slot];
    for (size_t i = 0; i < s.records; ++i) visit_(s.views[i]);
    summary.records += static_cast<int>(s.records);
    summary.skipped_lines += s.skipped;
  }

  ScanSummary summary;

 private:
  struct Slot {
    std::vector<RecordView> views;  // the first `records` hold the block's records
    size_t records = 0;
    int skipped = 0;
    std::deque<IterationRecord> owned;
  };
  const std::function<void(const RecordView&)>& visit_;
  Slot slots_[kBlockSlots];
  RecordParser parsers_[2];  // one per thread
  RecordView dom_[2];
};

}  // namespace

Result<ScanSummary> CostLog::scan_views(uint64_t offset,
                                        const std::function<void(const RecordView&)>& visit) const {
  RecordBlocks blocks(visit);
  auto read = read_blocks_from(path_, offset, kPadding, blocks);
  if (!read) return read.error();
  ScanSummary summary = blocks.summary;
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
