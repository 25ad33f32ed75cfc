#include "loop/recovery.hpp"

#include <fmt/format.h>

#include <fstream>

#include "meter/record_costs.hpp"
#include "meter/stream_meter.hpp"
#include "meter/transcript.hpp"

namespace ralph::loop {

namespace fs = std::filesystem;

namespace {

// Feeds every line of a file to the meter (a missing file feeds nothing).
void meter_file(const fs::path& path, meter::StreamMeter& meter) {
  std::ifstream in(path, std::ios::binary);
  for (std::string line; std::getline(in, line);) meter.feed(line);
}

std::chrono::system_clock::time_point parse_rfc3339(
    const std::string& text, std::chrono::system_clock::time_point fallback) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6) {
    return fallback;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(ms);
}

}  // namespace

Recovery recover_crashed_iteration(const RunState& crashed, const std::set<int>& recorded,
                                   const std::set<std::string>& passing_now,
                                   const RunOptions& options, const meter::PricingTable& pricing,
                                   const Clock& clock) {
  Recovery recovery;
  if (crashed.iteration <= 0 || recorded.count(crashed.iteration) ||
      crashed.iteration_started_at.empty()) {
    return recovery;  // the crash came between iterations: nothing was lost
  }

  const fs::path run_dir = options.state_dir() / "runs" / crashed.run_id;
  meter::StreamMeter meter(pricing);
  meter_file(run_dir / fmt::format("{}.stream.jsonl", crashed.iteration), meter);
  std::string transcript_note = "no transcript found";
  if (auto transcript =
          meter::find_transcript(options.agent_home, options.repo_root, meter.session_id())) {
    meter_file(*transcript, meter);  // final per-turn usage; duplicates count once
    transcript_note = "with the agent's transcript";
  }

  meter::IterationRecord record;
  record.run_id = crashed.run_id;
  record.iteration = crashed.iteration;
  record.started_at = crashed.iteration_started_at;
  const auto now = clock.wall_now();
  record.ended_at = format_rfc3339(now);
  record.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           now - parse_rfc3339(crashed.iteration_started_at, now))
                           .count();
  if (!crashed.current_item.empty()) record.item_id = crashed.current_item;
  record.model = meter.model();
  meter::fill_costs(record, meter);
  record.outcome = meter.result() && !meter.result()->is_error ? "success" : "interrupted";
  record.claimed_complete = meter.claimed_complete();
  std::set<std::string> before(crashed.passing_before.begin(), crashed.passing_before.end());
  for (const auto& id : passing_now) {
    if (!before.count(id)) record.items_completed.push_back(id);
  }
  recovery.notes.push_back(
      fmt::format("ralph: recovered iteration {} cut short by a crash: ${:.4f} ({}, {})",
                  record.iteration, record.cost_usd, record.cost_source, transcript_note));
  recovery.record = std::move(record);
  return recovery;
}

}  // namespace ralph::loop
