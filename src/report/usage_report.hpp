// `ralph usage` (README "Usage from Claude Code's transcripts"): the responses that
// meter/transcript_usage.hpp reads out of every transcript of the user, per day, week, month
// or session, with the sessions ralph started attributed to their run, and the 5-hour blocks.
// The JSON uses ccusage's field names, so scripts written for it keep working.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "budget/periods.hpp"
#include "meter/transcript_usage.hpp"
#include "meter/usage.hpp"
#include "meter/usage_blocks.hpp"

namespace ralph::report {

// A session ralph started: the iteration whose record names it.
struct RalphSession {
  std::string repo;
  std::string run_id;
  int iteration = 0;
  std::string item;  // the item it worked on, when known
};
// By Claude Code's session id.
using Attribution = std::unordered_map<std::string, RalphSession>;

enum class UsagePeriod { kDay, kWeek, kMonth, kSession };

// Which responses count. Times in milliseconds since the epoch.
struct UsageFilter {
  std::optional<int64_t> since_ms;  // at or after
  std::optional<int64_t> until_ms;  // before
  std::string project;              // a part of the project folder's name or of the cwd
};

struct UsageCount {
  meter::Usage usage;
  double cost_usd = 0;
  int64_t responses = 0;

  void add(const meter::UsageEntry& entry);
  // Input, output, cache writes and cache reads.
  int64_t total_tokens() const;
};

struct ModelUsage {
  std::string model;
  UsageCount count;
};

struct UsageRow {
  // "2026-12-02"; a week by its Monday, "2026-11-30"; "2026-12"; or the session id.
  std::string key;
  UsageCount count;
  std::vector<ModelUsage> models;  // by name
  // Sessions only:
  std::string project;
  std::string cwd;
  int64_t first_ms = 0;
  int64_t last_ms = 0;
  std::optional<RalphSession> ralph;
};

struct UsageReport {
  UsagePeriod period = UsagePeriod::kDay;
  std::string timezone;
  std::vector<UsageRow> rows;  // oldest first; sessions by their last response
  UsageCount total;
  UsageCount ralph;        // of the sessions ralph started
  UsageCount interactive;  // of every other session
  int64_t ralph_sessions = 0;
  int64_t interactive_sessions = 0;
  // What was read.
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t duplicates = 0;
  int64_t unreadable = 0;
};

// Whether `entry` (of `scan`) passes `filter`.
bool passes(const meter::UsageScan& scan, const meter::UsageEntry& entry,
            const UsageFilter& filter);

UsageReport usage_report(const meter::UsageScan& scan, UsagePeriod period,
                         const budget::TimeZone& zone, const UsageFilter& filter,
                         const Attribution& attribution);

// The fields ccusage prints: daily[] (date), weekly[] (week), monthly[] (month) or sessions[]
// (sessionId, lastActivity, projectPath), each with inputTokens, outputTokens,
// cacheCreationTokens, cacheReadTokens, totalTokens, totalCost, modelsUsed and
// modelBreakdowns; totals with the same counts. ralph adds totals.ralph,
// totals.interactive and, on sessions, `ralph` (repo, runId, iteration, item) or null.
nlohmann::json usage_json(const UsageReport& report);
// A header, then a row per period (and per model under it with `breakdown`).
std::string usage_csv(const UsageReport& report, bool breakdown);
// An aligned table, the totals split between ralph and interactive sessions, what was read.
std::string usage_text(const UsageReport& report, bool breakdown);

// `ralph usage blocks`.
struct BlocksReport {
  std::string timezone;
  std::vector<meter::UsageBlock> blocks;  // oldest first
  std::vector<std::string> models;        // names, by UsageBlock::models index
  std::optional<int64_t> token_limit;     // --token-limit, resolved
  bool limit_is_max = false;              // it was `max`: the largest earlier block
  int64_t now_ms = 0;
};

BlocksReport blocks_report(const meter::UsageScan& scan, const UsageFilter& filter,
                           const budget::TimeZone& zone, std::optional<int64_t> token_limit,
                           bool limit_is_max, int64_t now_ms);
// {"blocks": [...]} as `ccusage blocks --json` prints it (meter::block_json).
nlohmann::json blocks_json(const BlocksReport& report);
// A row per block, then the active block: tokens, cost, burn rate, projection, reset time,
// and against the limit when one is given.
std::string blocks_text(const BlocksReport& report, const budget::TimeZone& zone);

}  // namespace ralph::report
