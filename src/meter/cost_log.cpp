#include "meter/cost_log.hpp"

#include <system_error>

#include "util/fs.hpp"
#include "util/json_safe.hpp"

namespace ralph::meter {

Status CostLog::append(const IterationRecord& record) const {
  return append_line_synced(path_, to_json(record).dump());
}

Result<CostLogContents> CostLog::read_all() const {
  CostLogContents contents;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return contents;
  auto text = read_file(path_);
  if (!text) return text.error();
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto record = json_nesting_exceeds(line)
                      ? std::nullopt
                      : record_from_json(nlohmann::json::parse(line, nullptr, false));
    if (record) {
      contents.records.push_back(std::move(*record));
    } else {
      ++contents.skipped_lines;
    }
  }
  return contents;
}

}  // namespace ralph::meter
