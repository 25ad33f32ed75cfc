#include "loop/log_guard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

#include "meter/record_text.hpp"
#include "util/fs.hpp"

namespace ralph::loop {

namespace {

uint64_t size_of(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace

void LogGuard::mark() {
  size_ = size_of(log_.path());
}

std::optional<std::string> LogGuard::check() {
  const uint64_t now = size_of(log_.path());
  if (now >= size_) return std::nullopt;
  const std::string what = fmt::format("{} is shorter than ralph left it ({} bytes, not {})",
                                       log_.path().string(), now, size_);
  if (ledger_ == nullptr) return fmt::format("ralph: warning: {}", what);
  return restore(what, true);
}

std::optional<std::string> LogGuard::restore_missing() {
  if (ledger_ == nullptr) return std::nullopt;
  return restore(fmt::format("{} lacks records the ledger holds", log_.path().string()), false);
}

std::optional<std::string> LogGuard::restore(const std::string& what, bool shrank) {
  auto kept = log_.read_all();
  auto ledgered = ledger_->records_of(repo_);
  if (!kept || !ledgered) {
    return fmt::format("ralph: warning: {}; it cannot be restored: {}", what,
                       !kept ? kept.message() : ledgered.message());
  }
  // Every record of either, once, in the order they started.
  std::set<std::pair<std::string, int>> seen;
  std::vector<meter::IterationRecord> records;
  size_t restored = 0;
  for (auto* source : {&kept->records, &*ledgered}) {
    for (auto& record : *source) {
      if (!seen.emplace(record.run_id, record.iteration).second) continue;
      records.push_back(record);
      if (source == &*ledgered) ++restored;
    }
  }
  if (restored == 0) {
    mark();
    return shrank ? std::optional<std::string>(fmt::format(
                        "ralph: warning: {}; the ledger has none of its missing records", what))
                  : std::nullopt;
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const auto& a, const auto& b) { return a.started_at < b.started_at; });
  std::string text;
  for (const auto& record : records) {
    meter::append_record_json(text, record);
    text += '\n';
  }
  if (Status s = write_file_atomic(log_.path(), text); !s) {
    return fmt::format("ralph: warning: {}; it cannot be restored: {}", what, s.message());
  }
  mark();
  return fmt::format(
      "ralph: warning: {} (did the agent delete or truncate it?); restored {} "
      "record{} from the ledger {}",
      what, restored, restored == 1 ? "" : "s", ledger_->where());
}

}  // namespace ralph::loop
