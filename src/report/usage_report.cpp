#include "report/usage_report.hpp"

#include <algorithm>
#include <chrono>
#include <map>

#include "util/clock.hpp"

namespace ralph::report {

namespace {

budget::Scope scope_of(UsagePeriod period) {
  return period == UsagePeriod::kWeek    ? budget::Scope::kWeek
         : period == UsagePeriod::kMonth ? budget::Scope::kMonth
                                         : budget::Scope::kDay;
}

// The rows' keys in time order: entries come oldest first, so the period of the previous
// entry is asked first and the time zone only when an entry leaves it.
class PeriodKeys {
 public:
  PeriodKeys(const budget::TimeZone& zone, UsagePeriod period)
      : zone_(zone), scope_(scope_of(period)) {}

  const std::string& key(int64_t at_ms) {
    budget::WallTime at = from_epoch_ms(at_ms);
    if (!valid_ || at < span_.start || at >= span_.end) {
      span_ = zone_.span(scope_, at);
      // A week is named by its Monday, as ccusage names it by its first day.
      key_ = scope_ == budget::Scope::kWeek ? zone_.label(budget::Scope::kDay, span_.start)
                                            : zone_.label(scope_, at);
      valid_ = true;
    }
    return key_;
  }

 private:
  const budget::TimeZone& zone_;
  budget::Scope scope_;
  budget::Span span_;
  std::string key_;
  bool valid_ = false;
};

struct RowBuilder {
  UsageRow row;
  std::map<uint32_t, UsageCount> models;
};

void finish(RowBuilder& builder, const meter::UsageScan& scan, UsageRow& out) {
  out = std::move(builder.row);
  for (auto& [model, count] : builder.models) {
    out.models.push_back(
        {model < scan.models.size() ? scan.models[model] : std::string("unknown"), count});
  }
  std::sort(out.models.begin(), out.models.end(),
            [](const ModelUsage& a, const ModelUsage& b) { return a.model < b.model; });
}

}  // namespace

void UsageCount::add(const meter::UsageEntry& entry) {
  usage += entry.usage;
  cost_usd += entry.cost_usd;
  ++responses;
}

int64_t UsageCount::total_tokens() const {
  return usage.total_tokens();
}

bool passes(const meter::UsageScan& scan, const meter::UsageEntry& entry,
            const UsageFilter& filter) {
  if (filter.since_ms && entry.at_ms < *filter.since_ms) return false;
  if (filter.until_ms && entry.at_ms >= *filter.until_ms) return false;
  if (!filter.project.empty()) {
    const meter::UsageSession& session = scan.sessions[entry.session];
    if (session.project.find(filter.project) == std::string::npos &&
        session.cwd.find(filter.project) == std::string::npos)
      return false;
  }
  return true;
}

UsageReport usage_report(const meter::UsageScan& scan, UsagePeriod period,
                         const budget::TimeZone& zone, const UsageFilter& filter,
                         const Attribution& attribution) {
  UsageReport report;
  report.period = period;
  report.timezone = zone.name();
  report.files = scan.files;
  report.bytes = scan.bytes;
  report.duplicates = scan.duplicates;
  report.unreadable = scan.unreadable;

  // Each session once: whether ralph started it.
  std::vector<const RalphSession*> ralph_of(scan.sessions.size(), nullptr);
  for (size_t i = 0; i < scan.sessions.size(); ++i) {
    auto found = attribution.find(scan.sessions[i].id);
    if (found != attribution.end()) ralph_of[i] = &found->second;
  }
  std::vector<char> seen(scan.sessions.size(), 0);

  std::vector<RowBuilder> builders;
  std::unordered_map<std::string, size_t> index;  // key -> builders
  std::vector<size_t> session_row(scan.sessions.size(), SIZE_MAX);
  PeriodKeys keys(zone, period);
  size_t last_row = 0;
  for (const meter::UsageEntry& entry : scan.entries) {
    if (!passes(scan, entry, filter)) continue;
    report.total.add(entry);
    const bool by_ralph = ralph_of[entry.session] != nullptr;
    (by_ralph ? report.ralph : report.interactive).add(entry);
    if (!seen[entry.session]) {
      seen[entry.session] = 1;
      ++(by_ralph ? report.ralph_sessions : report.interactive_sessions);
    }

    size_t row = 0;
    if (period == UsagePeriod::kSession) {
      size_t& slot = session_row[entry.session];
      if (slot == SIZE_MAX) {
        slot = builders.size();
        const meter::UsageSession& session = scan.sessions[entry.session];
        RowBuilder builder;
        builder.row.key = session.id;
        builder.row.project = session.project;
        builder.row.cwd = session.cwd;
        builder.row.first_ms = entry.at_ms;
        if (by_ralph) builder.row.ralph = *ralph_of[entry.session];
        builders.push_back(std::move(builder));
      }
      row = slot;
    } else {
      const std::string& key = keys.key(entry.at_ms);
      if (!builders.empty() && builders[last_row].row.key == key) {
        row = last_row;
      } else {
        auto [it, added] = index.try_emplace(key, builders.size());
        if (added) {
          RowBuilder builder;
          builder.row.key = key;
          builder.row.first_ms = entry.at_ms;
          builders.push_back(std::move(builder));
        }
        row = it->second;
      }
      last_row = row;
    }
    RowBuilder& builder = builders[row];
    builder.row.count.add(entry);
    builder.row.last_ms = entry.at_ms;
    builder.models[entry.model].add(entry);
  }

  report.rows.resize(builders.size());
  for (size_t i = 0; i < builders.size(); ++i) finish(builders[i], scan, report.rows[i]);
  if (period == UsagePeriod::kSession) {
    std::stable_sort(report.rows.begin(), report.rows.end(),
                     [](const UsageRow& a, const UsageRow& b) { return a.last_ms < b.last_ms; });
  } else {
    std::stable_sort(report.rows.begin(), report.rows.end(),
                     [](const UsageRow& a, const UsageRow& b) { return a.key < b.key; });
  }
  return report;
}

BlocksReport blocks_report(const meter::UsageScan& scan, const UsageFilter& filter,
                           const budget::TimeZone& zone, std::optional<int64_t> token_limit,
                           bool limit_is_max, int64_t now_ms) {
  BlocksReport report;
  report.timezone = zone.name();
  report.models = scan.models;
  report.now_ms = now_ms;
  const bool everything = !filter.since_ms && !filter.until_ms && filter.project.empty();
  if (everything) {
    report.blocks = meter::usage_blocks(scan.entries, now_ms);
  } else {
    std::vector<meter::UsageEntry> kept;
    for (const meter::UsageEntry& entry : scan.entries) {
      if (passes(scan, entry, filter)) kept.push_back(entry);
    }
    report.blocks = meter::usage_blocks(kept, now_ms);
  }
  report.limit_is_max = limit_is_max;
  if (limit_is_max) token_limit = meter::largest_block_tokens(report.blocks);
  if (token_limit && *token_limit > 0) report.token_limit = token_limit;
  return report;
}

}  // namespace ralph::report
