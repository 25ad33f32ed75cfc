#include "loop/recovery.hpp"

#include <sys/stat.h>

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

// When the crashed iteration's agent last wrote to its stream: the iteration's end, as near as
// can be told (the crash may have come much earlier than the resume). Nothing: `fallback`.
std::chrono::system_clock::time_point last_written(const fs::path& path,
                                                   std::chrono::system_clock::time_point fallback) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return fallback;
  auto written = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(info.st_mtim.tv_sec) +
          std::chrono::nanoseconds(info.st_mtim.tv_nsec)));
  return std::min(written, fallback);
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

  const fs::path run_dir = options.runs_dir() / crashed.run_id;
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
  const auto started = parse_rfc3339_utc(crashed.iteration_started_at).value_or(now);
  // Its spend belongs to the day it happened on (the calendar caps), not to the resume's.
  const auto ended = std::max(
      started, last_written(run_dir / fmt::format("{}.stream.jsonl", crashed.iteration), now));
  record.ended_at = format_rfc3339(ended);
  record.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ended - started).count();
  if (!crashed.current_item.empty()) record.item_id = crashed.current_item;
  record.model = meter.model();
  if (crashed.tier >= 0) record.tier = crashed.tier;
  if (!crashed.escalated_from.empty()) record.escalated_from = crashed.escalated_from;
  record.model_reason = crashed.model_reason;
  auto noted = [](const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
  };
  record.complexity = noted(crashed.complexity);
  record.prompt_digest = noted(crashed.prompt_digest);
  record.claude_md_digest = noted(crashed.claude_md_digest);
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
