// Fuzzes what ralph reads back from files it does not fully control: the agent's stream-json
// output (split into lines, metered, turned into a cost record) and the cost log
// (.ralph/iterations.jsonl), whose lines may be torn or foreign.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "check.hpp"
#include "meter/pricing.hpp"
#include "meter/record.hpp"
#include "meter/record_costs.hpp"
#include "meter/record_scan.hpp"
#include "meter/record_text.hpp"
#include "meter/record_view.hpp"
#include "meter/stream_meter.hpp"
#include "util/line_splitter.hpp"

namespace {

using nlohmann::json;
using ralph::meter::PricingTable;
using ralph::meter::StreamMeter;
using ralph::meter::Usage;

// Small, so that the fuzzer reaches oversized lines.
constexpr size_t kMaxLineBytes = 64;

const PricingTable& builtin_pricing() {
  static const PricingTable table = PricingTable::builtin();
  return table;
}

// Lines the plain way: every '\n' ends one; a non-empty unterminated tail is one more.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    lines.push_back(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
  return lines;
}

// A record as the cost log stores it must read back as the same record.
void check_round_trip(const ralph::meter::IterationRecord& record) {
  json written = ralph::meter::to_json(record);
  json reread = json::parse(written.dump(), nullptr, /*allow_exceptions=*/false);
  auto back = ralph::meter::record_from_json(reread);
  RALPH_FUZZ_CHECK(back.has_value());
  RALPH_FUZZ_CHECK(ralph::meter::to_json(*back) == written);
}

void check_meter(const std::vector<std::string_view>& lines) {
  StreamMeter meter(builtin_pricing());
  int bad = 0;
  for (auto line : lines) {
    if (meter.feed(line) == ralph::meter::LineKind::kBad) ++bad;
  }
  RALPH_FUZZ_CHECK(meter.bad_lines() == bad);
  RALPH_FUZZ_CHECK(meter.turns() >= 0);
  RALPH_FUZZ_CHECK(meter.live_cost() >= 0);  // a message's usage only grows
  Usage total = meter.live_usage();
  Usage by_model;
  double cost_by_model = 0;
  for (const auto& [model, metered] : meter.live_by_model()) {
    by_model += metered.usage;
    cost_by_model += metered.cost_usd;
  }
  RALPH_FUZZ_CHECK(by_model == total);
  RALPH_FUZZ_CHECK(
      !(std::abs(cost_by_model - meter.live_cost()) > 1e-9 * std::max(1.0, meter.live_cost())));
  RALPH_FUZZ_CHECK(meter.peak_context_tokens() >= 0);
  if (const auto& result = meter.result(); result && !result->models.empty()) {
    Usage models;  // the result's tokens are the sum over its models
    for (const auto& [model, entry] : result->models) models += entry.usage;
    RALPH_FUZZ_CHECK(models == result->usage);
  }
  if (const auto& retry = meter.last_retry()) (void)retry->error.size();
  (void)meter.claimed_complete();
  (void)meter.usage_limit();

  // The iteration's record, as the loop writes it to the cost log.
  ralph::meter::IterationRecord record;
  record.run_id = "20250101-000000";
  record.iteration = 1;
  record.model = meter.model();
  record.claimed_complete = meter.claimed_complete();
  ralph::meter::fill_costs(record, meter);
  check_round_trip(record);
}

// The agent's output arrives in chunks of any size; the splitter must give the same lines.
void check_line_splitter(std::string_view text, const std::vector<std::string_view>& lines) {
  std::vector<std::pair<std::string, bool>> got;
  ralph::LineSplitter splitter(kMaxLineBytes, [&](std::string_view line, bool oversized) {
    got.emplace_back(std::string(line), oversized);
  });
  for (size_t at = 0, chunk = 1; at < text.size(); at += chunk, chunk = 1 + (chunk * 7) % 97) {
    splitter.feed(text.substr(at, chunk));
  }
  splitter.finish();
  RALPH_FUZZ_CHECK(got.size() == lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    RALPH_FUZZ_CHECK(got[i].first == lines[i].substr(0, kMaxLineBytes));
    RALPH_FUZZ_CHECK(got[i].second == (lines[i].size() > kMaxLineBytes));
  }
}

// The fast scan of a cost log line reads what the DOM reader reads, whenever it reads a line
// at all, and a line it would print as it is reads as what ralph writes.
void check_scan(ralph::meter::RecordParser& parser, std::string_view line) {
  std::string padded(line);
  padded.append(ralph::meter::kScanReadAhead, 'a');  // no terminator: the scan must stop itself
  ralph::meter::RecordView fast;
  ralph::meter::RecordView dom;
  const bool is_record = parser.read_dom(line, 0, dom);
  const std::string from_dom = is_record ? ralph::meter::record_json(to_record(dom)) : "";
  if (ralph::meter::scan_record(std::string_view(padded.data(), line.size()), fast)) {
    RALPH_FUZZ_CHECK(is_record);
    std::string from_scan = ralph::meter::record_json(to_record(fast));
    RALPH_FUZZ_CHECK(from_scan == from_dom);
    if (!ralph::meter::verbatim_json(fast).empty()) RALPH_FUZZ_CHECK(from_scan == line);
  }
  ralph::meter::RecordView view;
  RALPH_FUZZ_CHECK(parser.read(line, 0, view) == is_record);
  if (is_record) RALPH_FUZZ_CHECK(ralph::meter::record_json(to_record(view)) == from_dom);
}

// Each line as a line of the cost log, read the way CostLog::scan reads it: a record read
// back is written and read again to the same text.
void check_cost_log(const std::vector<std::string_view>& lines) {
  ralph::meter::RecordParser parser;
  for (auto line : lines) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    check_scan(parser, line);
    auto record = parser.parse(line);
    if (!record) continue;
    std::string text = ralph::meter::record_json(*record);
    auto back = parser.parse(text);
    RALPH_FUZZ_CHECK(back.has_value());
    RALPH_FUZZ_CHECK(ralph::meter::record_json(*back) == text);
    check_round_trip(*record);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lines = split_lines(text);
  check_meter(lines);
  check_line_splitter(text, lines);
  check_cost_log(lines);
  return 0;
}
