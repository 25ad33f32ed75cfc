#include "report/insights.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "report/markup.hpp"
#include "util/clock.hpp"

namespace ralph::report {

namespace {

using json = nlohmann::json;

double finite(double value) {
  return std::isfinite(value) ? value : 0;
}

// Calls `fn(model, usage)` for each part of a record: its per-model entries (`models`), and
// what they do not cover under `model`; a record without them is one part.
template <typename Fn>
void for_each_part(const meter::IterationRecord& record, Fn&& fn) {
  if (record.models.empty()) {
    fn(record.model, record.usage);
    return;
  }
  meter::Usage covered;
  for (const auto& [name, part] : record.models) {
    fn(name, part.usage);
    covered += part.usage;
  }
  meter::Usage rest = meter::minus_clamped(record.usage, covered);
  if (rest != meter::Usage{}) fn(record.model, rest);
}

meter::Usage tokens_of(const meter::IterationRecord& record) {
  meter::Usage sum;
  for_each_part(record, [&sum](const std::string&, const meter::Usage& usage) { sum += usage; });
  return sum;
}

// Re-pricing uses PricingTable::usage_cost: the standard tier's prices, never the
// long-context tier (that tier applies per turn, and a record holds the sum of its turns, not
// their sizes). The 1-hour share of cache writes is not recorded either: they are priced as
// 5-minute writes. So re-priced figures are estimates, and can be a little under what the agent
// was charged.

// What a cache write and an uncached input token cost above a cache read.
double cache_excess(const meter::TokenPrices& p, const meter::Usage& u) {
  auto above = [&p](int64_t tokens, double per_million) {
    return static_cast<double>(tokens) * std::max(0.0, per_million - p.cache_read) / 1e6;
  };
  return above(u.cache_creation_input_tokens, p.cache_write) + above(u.input_tokens, p.input);
}

// The name the table prices a model as, so "sonnet" and "claude-sonnet-5-5" are one model.
std::string resolved(const meter::PricingTable& pricing, const std::string& model) {
  auto found = pricing.lookup(model);
  return found.priced_as.empty() ? model : found.priced_as;
}

bool completed(const meter::IterationRecord& r, const std::string& item) {
  return std::find(r.items_completed.begin(), r.items_completed.end(), item) !=
         r.items_completed.end();
}

Waste waste_of(const std::vector<meter::IterationRecord>& records, double total) {
  Waste waste;
  std::map<std::optional<std::string>, WasteItem> by_item;
  for (const auto& r : records) {
    if (!r.items_completed.empty()) continue;
    WasteItem& item = by_item[r.item_id];
    item.item_id = r.item_id;
    ++item.iterations;
    item.cost_usd += finite(r.cost_usd);
    ++waste.iterations;
    waste.cost_usd += finite(r.cost_usd);
  }
  for (auto& [id, item] : by_item) waste.items.push_back(std::move(item));
  std::stable_sort(waste.items.begin(), waste.items.end(),
                   [](const WasteItem& a, const WasteItem& b) { return a.cost_usd > b.cost_usd; });
  waste.share = total > 0 ? waste.cost_usd / total : 0;
  return waste;
}

WhatIf what_if_of(const std::vector<meter::IterationRecord>& records,
                  const meter::PricingTable& pricing, const std::vector<std::string>& ladder,
                  double actual) {
  WhatIf what_if;
  what_if.actual_usd = actual;
  what_if.from_ladder = !ladder.empty();
  meter::Usage tokens;
  std::set<std::string> used;
  std::vector<std::string> used_in_order;
  for (const auto& r : records) {
    tokens += tokens_of(r);
    auto note = [&](const std::string& model) {
      if (model.empty()) return;  // an agent that never said its model
      if (used.insert(resolved(pricing, model)).second) used_in_order.push_back(model);
    };
    note(r.model);
    for (const auto& [name, part] : r.models) note(name);
  }
  auto add = [&](const std::string& model) {
    WhatIfModel m;
    m.model = model;
    m.priced_as = pricing.lookup(model).priced_as;
    m.cost_usd = pricing.usage_cost(model, tokens);
    m.difference_usd = m.cost_usd - actual;
    m.used = used.count(resolved(pricing, model)) != 0;
    what_if.models.push_back(std::move(m));
  };
  if (what_if.from_ladder) {
    for (const auto& model : ladder) add(model);
    return what_if;
  }
  std::set<std::string> seen;
  std::vector<std::string> candidates = used_in_order;
  for (const char* alias : {"haiku", "sonnet", "opus"}) candidates.push_back(alias);
  for (const auto& model : candidates) {
    std::string name = resolved(pricing, model);
    if (seen.insert(name).second) add(name);
  }
  std::stable_sort(what_if.models.begin(), what_if.models.end(),
                   [](const WhatIfModel& a, const WhatIfModel& b) {
                     return std::tie(a.cost_usd, a.model) < std::tie(b.cost_usd, b.model);
                   });
  return what_if;
}

StartLower start_lower_of(const std::vector<meter::IterationRecord>& records,
                          const meter::PricingTable& pricing,
                          const std::vector<std::string>& ladder) {
  StartLower start;
  if (ladder.empty()) return start;
  start.lowest_model = ladder.front();
  std::map<std::pair<std::string, std::string>, int> iterations;  // (run, item)
  for (const auto& r : records) {
    if (r.item_id) ++iterations[{r.run_id, *r.item_id}];
  }
  for (const auto& r : records) {
    if (!r.item_id || !r.tier || *r.tier <= 0) continue;
    if (iterations[{r.run_id, *r.item_id}] != 1 || !completed(r, *r.item_id)) continue;
    StartLowerItem item;
    item.item_id = *r.item_id;
    item.run_id = r.run_id;
    item.iteration = r.iteration;
    item.model = r.model;
    item.tier = *r.tier;
    item.model_reason = r.model_reason;
    item.cost_usd = finite(r.cost_usd);
    item.repriced_usd = pricing.usage_cost(start.lowest_model, tokens_of(r));
    item.saving_usd = item.cost_usd - item.repriced_usd;
    start.cost_usd += item.cost_usd;
    start.repriced_usd += item.repriced_usd;
    start.saving_usd += item.saving_usd;
    start.items.push_back(std::move(item));
  }
  return start;
}

// Why an iteration missed the cache, the first cause that applies; `previous`: its run's
// iteration before it in the records, if any.
void explain_miss(const meter::IterationRecord& r, const meter::IterationRecord* previous,
                  CacheMiss& miss) {
  if (previous == nullptr) {
    if (r.iteration <= 1) {
      miss.cause = CacheCause::kFirstIteration;
      miss.detail = "the run's first iteration: the cache starts cold";
    } else {
      miss.cause = CacheCause::kUnknown;
      miss.detail = "unknown: the previous iteration is not in the selection";
    }
    return;
  }
  auto ended = parse_rfc3339_utc(previous->ended_at);
  auto started = parse_rfc3339_utc(r.started_at);
  if (ended && started && *started - *ended > std::chrono::seconds(kCacheLifetimeSeconds)) {
    double hours = std::chrono::duration<double, std::ratio<3600>>(*started - *ended).count();
    miss.cause = CacheCause::kExpired;
    miss.detail = fmt::format(
        "{} after the previous iteration ended: the prompt cache (5 minutes) had expired",
        duration_text(hours));
    return;
  }
  // Only records that noted the digests can tell (not those of older versions, nor an
  // iteration rebuilt after a crash); between two such, no CLAUDE.md digest is no CLAUDE.md.
  const bool noted = r.prompt_digest && previous->prompt_digest;
  bool prompt = noted && *r.prompt_digest != *previous->prompt_digest;
  bool claude_md = noted && r.claude_md_digest != previous->claude_md_digest;
  if (prompt || claude_md) {
    miss.cause = prompt && claude_md ? CacheCause::kBothChanged
                 : prompt            ? CacheCause::kPromptChanged
                                     : CacheCause::kClaudeMdChanged;
    miss.detail = fmt::format("{} changed since the previous iteration",
                              prompt && claude_md ? "PROMPT.md and CLAUDE.md"
                              : prompt            ? "PROMPT.md"
                                                  : "CLAUDE.md");
    return;
  }
  if (r.model != previous->model) {
    miss.cause = CacheCause::kModelChanged;
    miss.detail = fmt::format("model {} after {}{}: a new model has no cache", r.model,
                              previous->model, r.escalated_from ? " (escalated)" : "");
    return;
  }
  miss.cause = CacheCause::kUnknown;
  miss.detail = "unknown";
}

Cache cache_of(const std::vector<meter::IterationRecord>& records,
               const meter::PricingTable& pricing) {
  Cache cache;
  std::map<std::string, const meter::IterationRecord*> last_of_run;
  for (const auto& r : records) {
    const meter::IterationRecord*& previous = last_of_run[r.run_id];
    // An iteration that read nothing (stopped before its first turn) had nothing to cache.
    if (r.usage.context_tokens() > 0 && r.usage.cache_hit_ratio() < kCacheHitThreshold) {
      CacheMiss miss;
      miss.run_id = r.run_id;
      miss.iteration = r.iteration;
      miss.item_id = r.item_id;
      miss.model = r.model;
      miss.cache_hit_ratio = r.usage.cache_hit_ratio();
      miss.cost_usd = finite(r.cost_usd);
      for_each_part(r, [&](const std::string& model, const meter::Usage& usage) {
        miss.excess_usd += cache_excess(pricing.price_for(model).standard, usage);
      });
      explain_miss(r, previous, miss);
      cache.excess_usd += miss.excess_usd;
      cache.iterations.push_back(std::move(miss));
    }
    previous = &r;
  }
  return cache;
}

Context context_of(const std::vector<meter::IterationRecord>& records) {
  struct Seen {
    ContextItem item;
    bool flagged = false;
  };
  std::map<std::optional<std::string>, Seen> by_item;
  for (const auto& r : records) {
    Seen& seen = by_item[r.item_id];
    ContextItem& item = seen.item;
    item.item_id = r.item_id;
    ++item.iterations;
    item.cost_usd += finite(r.cost_usd);
    item.compactions += r.compactions;
    if (r.peak_context_fraction) {
      item.peak_context_fraction =
          std::max(item.peak_context_fraction.value_or(0), *r.peak_context_fraction);
    }
    if ((r.peak_context_fraction && *r.peak_context_fraction > kContextThreshold) ||
        r.compactions > 0) {
      seen.flagged = true;
    }
  }
  Context context;
  for (auto& [id, seen] : by_item) {
    if (!seen.flagged) continue;
    context.cost_usd += seen.item.cost_usd;
    context.items.push_back(std::move(seen.item));
  }
  std::stable_sort(
      context.items.begin(), context.items.end(),
      [](const ContextItem& a, const ContextItem& b) { return a.cost_usd > b.cost_usd; });
  return context;
}

Anomalies anomalies_of(const std::vector<meter::IterationRecord>& records) {
  Anomalies anomalies;
  for (const auto& r : records) {
    if (r.anomalies.empty()) continue;
    anomalies.iterations.push_back(
        {r.run_id, r.iteration, r.item_id, r.anomalies, finite(r.cost_usd)});
    anomalies.cost_usd += finite(r.cost_usd);
  }
  return anomalies;
}

json optional_text(const std::optional<std::string>& text) {
  return text ? json(*text) : json(nullptr);
}

}  // namespace

std::string_view cache_cause_key(CacheCause cause) {
  switch (cause) {
    case CacheCause::kFirstIteration:
      return "first_iteration";
    case CacheCause::kExpired:
      return "cache_expired";
    case CacheCause::kPromptChanged:
      return "prompt_changed";
    case CacheCause::kClaudeMdChanged:
      return "claude_md_changed";
    case CacheCause::kBothChanged:
      return "prompt_and_claude_md_changed";
    case CacheCause::kModelChanged:
      return "model_changed";
    case CacheCause::kUnknown:
      break;
  }
  return "unknown";
}

Insights compute_insights(const std::vector<meter::IterationRecord>& records,
                          const meter::PricingTable& pricing,
                          const std::vector<std::string>& ladder) {
  Insights insights;
  insights.ladder = ladder;
  std::set<std::string> runs;
  for (const auto& r : records) {
    if (runs.insert(r.run_id).second) insights.runs.push_back(r.run_id);
    ++insights.iterations;
    insights.cost_usd += finite(r.cost_usd);
  }
  insights.waste = waste_of(records, insights.cost_usd);
  insights.what_if = what_if_of(records, pricing, ladder, insights.cost_usd);
  insights.start_lower = start_lower_of(records, pricing, ladder);
  insights.cache = cache_of(records, pricing);
  insights.context = context_of(records);
  insights.anomalies = anomalies_of(records);
  return insights;
}

json to_json(const Insights& in) {
  json waste_items = json::array();
  for (const auto& item : in.waste.items) {
    waste_items.push_back({{"item_id", optional_text(item.item_id)},
                           {"iterations", item.iterations},
                           {"cost_usd", item.cost_usd}});
  }
  json what_if_models = json::array();
  for (const auto& m : in.what_if.models) {
    what_if_models.push_back(
        {{"model", m.model},
         {"priced_as", m.priced_as.empty() ? json(nullptr) : json(m.priced_as)},
         {"cost_usd", m.cost_usd},
         {"difference_usd", m.difference_usd},
         {"used", m.used}});
  }
  json start_items = json::array();
  for (const auto& item : in.start_lower.items) {
    start_items.push_back({{"item_id", item.item_id},
                           {"run_id", item.run_id},
                           {"iteration", item.iteration},
                           {"model", item.model},
                           {"tier", item.tier},
                           {"model_reason", item.model_reason},
                           {"cost_usd", item.cost_usd},
                           {"repriced_usd", item.repriced_usd},
                           {"saving_usd", item.saving_usd}});
  }
  json cache_iterations = json::array();
  for (const auto& miss : in.cache.iterations) {
    cache_iterations.push_back({{"run_id", miss.run_id},
                                {"iteration", miss.iteration},
                                {"item_id", optional_text(miss.item_id)},
                                {"model", miss.model},
                                {"cache_hit_ratio", miss.cache_hit_ratio},
                                {"cause", cache_cause_key(miss.cause)},
                                {"detail", miss.detail},
                                {"excess_usd", miss.excess_usd},
                                {"cost_usd", miss.cost_usd}});
  }
  json context_items = json::array();
  for (const auto& item : in.context.items) {
    context_items.push_back(
        {{"item_id", optional_text(item.item_id)},
         {"iterations", item.iterations},
         {"peak_context_fraction",
          item.peak_context_fraction ? json(*item.peak_context_fraction) : json(nullptr)},
         {"compactions", item.compactions},
         {"cost_usd", item.cost_usd}});
  }
  json anomalous = json::array();
  for (const auto& a : in.anomalies.iterations) {
    anomalous.push_back({{"run_id", a.run_id},
                         {"iteration", a.iteration},
                         {"item_id", optional_text(a.item_id)},
                         {"anomalies", a.anomalies},
                         {"cost_usd", a.cost_usd}});
  }
  return {
      {"runs", in.runs},
      {"iterations", in.iterations},
      {"cost_usd", in.cost_usd},
      {"ladder", in.ladder},
      {"could_have_saved_usd", in.could_have_saved_usd()},
      {"waste",
       {{"iterations", in.waste.iterations},
        {"cost_usd", in.waste.cost_usd},
        {"share", in.waste.share},
        {"items", std::move(waste_items)}}},
      {"what_if",
       {{"estimate", true},
        {"basis", in.what_if.from_ladder ? "ladder" : "models_used"},
        {"actual_usd", in.what_if.actual_usd},
        {"models", std::move(what_if_models)}}},
      {"start_lower",
       {{"estimate", true},
        {"lowest_model",
         in.start_lower.lowest_model.empty() ? json(nullptr) : json(in.start_lower.lowest_model)},
        {"cost_usd", in.start_lower.cost_usd},
        {"repriced_usd", in.start_lower.repriced_usd},
        {"saving_usd", in.start_lower.saving_usd},
        {"items", std::move(start_items)}}},
      {"cache",
       {{"threshold", kCacheHitThreshold},
        {"excess_usd", in.cache.excess_usd},
        {"iterations", std::move(cache_iterations)}}},
      {"context",
       {{"threshold", kContextThreshold},
        {"suggestion", "split these items into smaller ones"},
        {"cost_usd", in.context.cost_usd},
        {"items", std::move(context_items)}}},
      {"anomalies", {{"cost_usd", in.anomalies.cost_usd}, {"iterations", std::move(anomalous)}}},
  };
}

}  // namespace ralph::report
