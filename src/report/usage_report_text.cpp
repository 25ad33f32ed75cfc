// `ralph usage` for people, spreadsheets and ccusage's scripts (README "Usage from Claude
// Code's transcripts").
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "loop/display.hpp"
#include "report/cost_table.hpp"
#include "report/markup.hpp"
#include "report/text_table.hpp"
#include "report/usage_report.hpp"
#include "util/clock.hpp"

namespace ralph::report {

namespace {

const char* key_name(UsagePeriod period) {
  switch (period) {
    case UsagePeriod::kDay:
      return "date";
    case UsagePeriod::kWeek:
      return "week";
    case UsagePeriod::kMonth:
      return "month";
    case UsagePeriod::kSession:
      return "sessionId";
  }
  return "date";
}

const char* rows_name(UsagePeriod period) {
  switch (period) {
    case UsagePeriod::kDay:
      return "daily";
    case UsagePeriod::kWeek:
      return "weekly";
    case UsagePeriod::kMonth:
      return "monthly";
    case UsagePeriod::kSession:
      return "sessions";
  }
  return "daily";
}

// ccusage's count fields of `count`, with the cost under `cost_field`.
nlohmann::json counts_json(const UsageCount& count, const char* cost_field) {
  return {{"inputTokens", count.usage.input_tokens},
          {"outputTokens", count.usage.output_tokens},
          {"cacheCreationTokens", count.usage.cache_creation_input_tokens},
          {"cacheReadTokens", count.usage.cache_read_input_tokens},
          {"totalTokens", count.total_tokens()},
          {cost_field, count.cost_usd}};
}

// "claude-sonnet-4-5-20250929" -> "sonnet-4-5-20250929": the table's models column.
std::string short_model(const std::string& model) {
  return model.rfind("claude-", 0) == 0 ? model.substr(7) : model;
}

std::string models_text(const UsageRow& row) {
  std::string out;
  for (const ModelUsage& model : row.models) {
    if (!out.empty()) out += ", ";
    out += short_model(model.model);
  }
  return out;
}

std::string megabytes(int64_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

std::string ralph_text(const RalphSession& ralph) {
  // The repository's folder name: the JSON has its path.
  return fmt::format("{} {} #{}{}", std::filesystem::path(ralph.repo).filename().string(),
                     ralph.run_id, ralph.iteration, ralph.item.empty() ? "" : " " + ralph.item);
}

std::vector<std::string> count_cells(const UsageCount& count) {
  return {grouped(count.usage.input_tokens),
          grouped(count.usage.output_tokens),
          grouped(count.usage.cache_creation_input_tokens),
          grouped(count.usage.cache_read_input_tokens),
          grouped(count.total_tokens()),
          dollars(count.cost_usd)};
}

void append_counts_csv(std::string& out, const UsageCount& count) {
  out += fmt::format(",{},{},{},{},{},{}\n", count.usage.input_tokens, count.usage.output_tokens,
                     count.usage.cache_creation_input_tokens, count.usage.cache_read_input_tokens,
                     count.total_tokens(), count.cost_usd);
}

}  // namespace

nlohmann::json usage_json(const UsageReport& report) {
  const bool sessions = report.period == UsagePeriod::kSession;
  nlohmann::json rows = nlohmann::json::array();
  for (const UsageRow& row : report.rows) {
    nlohmann::json out = counts_json(row.count, "totalCost");
    out[key_name(report.period)] = row.key;
    nlohmann::json used = nlohmann::json::array();
    nlohmann::json breakdowns = nlohmann::json::array();
    for (const ModelUsage& model : row.models) {
      used.push_back(model.model);
      nlohmann::json breakdown = counts_json(model.count, "cost");
      breakdown.erase("totalTokens");
      breakdown["modelName"] = model.model;
      breakdowns.push_back(std::move(breakdown));
    }
    out["modelsUsed"] = std::move(used);
    out["modelBreakdowns"] = std::move(breakdowns);
    if (sessions) {
      out["lastActivity"] = format_rfc3339(from_epoch_ms(row.last_ms));
      out["projectPath"] = row.project;
      out["cwd"] = row.cwd;
      out["ralph"] = row.ralph ? nlohmann::json{{"repo", row.ralph->repo},
                                                {"runId", row.ralph->run_id},
                                                {"iteration", row.ralph->iteration},
                                                {"item", row.ralph->item}}
                               : nlohmann::json(nullptr);
    }
    rows.push_back(std::move(out));
  }
  nlohmann::json totals = counts_json(report.total, "totalCost");
  totals["ralph"] = counts_json(report.ralph, "totalCost");
  totals["ralph"]["sessions"] = report.ralph_sessions;
  totals["interactive"] = counts_json(report.interactive, "totalCost");
  totals["interactive"]["sessions"] = report.interactive_sessions;
  return {{rows_name(report.period), std::move(rows)},
          {"totals", std::move(totals)},
          {"timezone", report.timezone}};
}

std::string usage_csv(const UsageReport& report, bool breakdown) {
  const bool sessions = report.period == UsagePeriod::kSession;
  std::string out = sessions ? "session,project,last_activity,ralph_run,ralph_iteration"
                             : key_name(report.period);
  out += breakdown ? ",model" : ",models";
  out +=
      ",input_tokens,output_tokens,cache_creation_tokens,cache_read_tokens,total_tokens,"
      "cost_usd\n";
  for (const UsageRow& row : report.rows) {
    std::string lead;
    append_csv_field(lead, row.key);
    if (sessions) {
      lead += ',';
      append_csv_field(lead, row.project);
      lead += ',' + format_rfc3339(from_epoch_ms(row.last_ms)) + ',';
      if (row.ralph) {
        append_csv_field(lead, row.ralph->run_id);
        lead += fmt::format(",{}", row.ralph->iteration);
      } else {
        lead += ',';
      }
    }
    if (breakdown) {
      for (const ModelUsage& model : row.models) {
        out += lead + ',';
        append_csv_field(out, model.model);
        append_counts_csv(out, model.count);
      }
      continue;
    }
    std::string models;
    for (const ModelUsage& model : row.models) models += (models.empty() ? "" : ";") + model.model;
    out += lead + ',';
    append_csv_field(out, models);
    append_counts_csv(out, row.count);
  }
  return out;
}

std::string usage_text(const UsageReport& report, bool breakdown) {
  const bool sessions = report.period == UsagePeriod::kSession;
  std::string out = fmt::format("Claude Code usage per {} ({}), from {} transcript files ({})\n\n",
                                sessions                              ? "session"
                                : report.period == UsagePeriod::kDay  ? "day"
                                : report.period == UsagePeriod::kWeek ? "week (from Monday)"
                                                                      : "month",
                                report.timezone, grouped(report.files), megabytes(report.bytes));
  if (report.rows.empty()) {
    out += "no usage in this range\n";
    return out;
  }
  std::vector<bool> right = {false, false, true, true, true, true, true, true};
  std::vector<std::string> header = {sessions ? "session" : key_name(report.period),
                                     "models",
                                     "input",
                                     "output",
                                     "cache write",
                                     "cache read",
                                     "total tokens",
                                     "cost"};
  if (sessions) {
    right.insert(right.begin() + 1, {false, false});
    header.insert(header.begin() + 1, {"last activity", "ralph run"});
  }
  TextTable table(right);
  table.add(header);
  auto lead = [&](const UsageRow& row, std::string models) {
    std::vector<std::string> cells = {row.key, std::move(models)};
    if (sessions) {
      cells.insert(cells.begin() + 1, {format_rfc3339(from_epoch_ms(row.last_ms)).substr(0, 10),
                                       row.ralph ? ralph_text(*row.ralph) : std::string("-")});
    }
    return cells;
  };
  for (const UsageRow& row : report.rows) {
    std::vector<std::string> cells = lead(row, models_text(row));
    for (auto& cell : count_cells(row.count)) cells.push_back(std::move(cell));
    table.add(std::move(cells));
    if (!breakdown) continue;
    for (const ModelUsage& model : row.models) {
      UsageRow blank;
      std::vector<std::string> sub = lead(blank, "  " + short_model(model.model));
      for (auto& cell : sub) {
        if (&cell != &sub.back()) cell.clear();
      }
      for (auto& cell : count_cells(model.count)) sub.push_back(std::move(cell));
      table.add(std::move(sub));
    }
  }
  UsageRow total_row;
  total_row.key = "total";
  std::vector<std::string> total = lead(total_row, "");
  if (sessions) total[1] = total[2] = "";
  for (auto& cell : count_cells(report.total)) total.push_back(std::move(cell));
  table.add(std::move(total));
  out += table.text();

  out += "\n";
  TextTable split({false, true, true, true});
  auto sessions_text = [](int64_t n) {
    return fmt::format("{} session{}", grouped(n), n == 1 ? "" : "s");
  };
  split.add({"ralph", sessions_text(report.ralph_sessions),
             fmt::format("{} tokens", grouped(report.ralph.total_tokens())),
             dollars(report.ralph.cost_usd)});
  split.add({"interactive", sessions_text(report.interactive_sessions),
             fmt::format("{} tokens", grouped(report.interactive.total_tokens())),
             dollars(report.interactive.cost_usd)});
  out += split.text();
  out += fmt::format("\n{} API responses; {} repeated transcript lines counted once",
                     grouped(report.total.responses), grouped(report.duplicates));
  if (report.unreadable > 0) out += fmt::format("; {} files unreadable", report.unreadable);
  out += "\n";
  return out;
}

nlohmann::json blocks_json(const BlocksReport& report) {
  nlohmann::json blocks = nlohmann::json::array();
  for (const meter::UsageBlock& block : report.blocks) {
    blocks.push_back(meter::block_json(block, report.models, report.now_ms, report.token_limit));
  }
  return {{"blocks", std::move(blocks)}};
}

std::string blocks_text(const BlocksReport& report, const budget::TimeZone& zone) {
  std::string out = fmt::format("Claude Code's 5-hour blocks ({})\n\n", report.timezone);
  if (report.blocks.empty()) return out + "no usage yet\n";
  TextTable table({false, false, false, true, true, true});
  table.add({"start", "first to last", "models", "responses", "total tokens", "cost"});
  for (const meter::UsageBlock& block : report.blocks) {
    std::string models;
    for (uint32_t model : block.models) {
      if (!models.empty()) models += ", ";
      models += short_model(model < report.models.size() ? report.models[model] : "unknown");
    }
    std::string status =
        block.active
            ? "active"
            : loop::human_duration(std::chrono::milliseconds(block.last_ms - block.first_ms));
    table.add({zone.local_text(from_epoch_ms(block.start_ms)), status, models,
               grouped(block.entries), grouped(block.total_tokens()), dollars(block.cost_usd)});
  }
  out += table.text();

  auto active = meter::active_block(report.blocks);
  if (!active) {
    const meter::UsageBlock& last = report.blocks.back();
    out += fmt::format("\nno active block: the last response was at {}\n",
                       zone.local_text(from_epoch_ms(last.last_ms)));
    return out;
  }
  meter::BurnRate rate = meter::burn_rate(*active);
  meter::Projection projected = meter::projection(*active, report.now_ms);
  out += fmt::format("\nactive block   {} to {}, resets in {}\n",
                     zone.local_text(from_epoch_ms(active->start_ms)),
                     zone.local_text(from_epoch_ms(active->end_ms)),
                     loop::human_duration(std::chrono::milliseconds(projected.remaining_ms)));
  TextTable detail({false, false}, 2);
  detail.add(
      {"tokens", fmt::format("{} (input {}, output {}, cache write {}, cache read {})",
                             grouped(active->total_tokens()), grouped(active->usage.input_tokens),
                             grouped(active->usage.output_tokens),
                             grouped(active->usage.cache_creation_input_tokens),
                             grouped(active->usage.cache_read_input_tokens))});
  detail.add({"cost", dollars(active->cost_usd)});
  detail.add(
      {"burn rate", fmt::format("{} tokens/min, ${:.2f}/h",
                                grouped(std::llround(rate.tokens_per_minute)), rate.usd_per_hour)});
  detail.add(
      {"projected", fmt::format("{} tokens, {} at the block's end", grouped(projected.total_tokens),
                                dollars(projected.cost_usd))});
  if (report.token_limit) {
    double limit = static_cast<double>(*report.token_limit);
    detail.add(
        {"limit", fmt::format("{}{}: {:.1f}% used, {:.1f}% projected", grouped(*report.token_limit),
                              report.limit_is_max ? " (the largest earlier block)" : "",
                              static_cast<double>(active->total_tokens()) / limit * 100,
                              static_cast<double>(projected.total_tokens) / limit * 100)});
  }
  out += detail.text();
  return out;
}

}  // namespace ralph::report
