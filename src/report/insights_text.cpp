// insights_text(): the text of `ralph costs --insights` (README "Insights").
#include "report/insights.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/text_table.hpp"

namespace ralph::report {

namespace {

std::string money(double usd) {
  return fmt::format("{:.4f}", usd);
}

// "-0.1234", "+0.0500".
std::string signed_money(double usd) {
  return fmt::format("{}{:.4f}", usd < 0 ? "-" : "+", std::abs(usd));
}

std::string percent(double fraction) {
  return fmt::format("{:.1f}%", fraction * 100);
}

std::string plural(int n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string item_text(const std::optional<std::string>& item) {
  return item ? *item : "(no item)";
}

// "3", or "20261124-073657-b45f#3" when the records hold several runs.
std::string iteration_text(const Insights& in, const std::string& run, int iteration) {
  return in.runs.size() > 1 ? fmt::format("{}#{}", run, iteration) : std::to_string(iteration);
}

void waste_text(const Insights& in, std::string& out) {
  const Waste& w = in.waste;
  if (w.iterations == 0) {
    out += "waste: none (every iteration completed an item)\n";
    return;
  }
  out += fmt::format("waste: ${:.4f} ({} of ${:.4f}) on {} that completed nothing\n", w.cost_usd,
                     percent(w.share), in.cost_usd, plural(w.iterations, "iteration"));
  TextTable table({false, true, true}, 2);
  table.add({"item", "iterations", "cost_usd"});
  for (const auto& item : w.items) {
    table.add({item_text(item.item_id), std::to_string(item.iterations), money(item.cost_usd)});
  }
  out += table.text();
}

void what_if_text(const Insights& in, std::string& out) {
  const WhatIf& w = in.what_if;
  if (w.models.empty() || in.iterations == 0) {
    out += "what-if: none\n";
    return;
  }
  out += fmt::format(
      "what-if (estimate): the same tokens re-priced at each model {}; another model would "
      "have used other tokens\n",
      w.from_ladder ? "of the ladder" : "used and at haiku, sonnet and opus");
  TextTable table({false, true, true, false}, 2);
  table.add({"model", "cost_usd", "vs actual", ""});
  table.add({"actual", money(w.actual_usd), "", ""});
  for (const auto& m : w.models) {
    std::string name = m.model;
    if (!m.priced_as.empty() && m.priced_as != m.model) name += " (" + m.priced_as + ")";
    table.add({name, money(m.cost_usd), signed_money(m.difference_usd), m.used ? "used" : ""});
  }
  out += table.text();
}

void start_lower_text(const Insights& in, std::string& out) {
  const StartLower& s = in.start_lower;
  if (s.lowest_model.empty()) {
    out += "start lower: none (no model ladder: \"models\" in ralph.json)\n";
    return;
  }
  if (s.items.empty()) {
    out += "start lower: none (no item completed at its first try above the lowest model)\n";
    return;
  }
  out += fmt::format(
      "start lower (estimate): ${:.4f} saved at {} on {} completed at the first try above it\n",
      s.saving_usd, s.lowest_model, plural(static_cast<int>(s.items.size()), "item"));
  TextTable table({false, true, false, true, true, true, true, false}, 2);
  table.add({"item", "iter", "model", "tier", "cost_usd", "at " + s.lowest_model, "saving",
             "why this model"});
  for (const auto& item : s.items) {
    table.add({item.item_id, iteration_text(in, item.run_id, item.iteration), item.model,
               std::to_string(item.tier), money(item.cost_usd), money(item.repriced_usd),
               money(item.saving_usd), item.model_reason});
  }
  out += table.text();
}

void cache_text(const Insights& in, std::string& out) {
  const Cache& c = in.cache;
  if (c.iterations.empty()) {
    out += "cache: none (every iteration read at least half its input from the cache)\n";
    return;
  }
  out += fmt::format(
      "cache: {} read less than half the input from the cache: ${:.4f} in cache writes and "
      "uncached input above cache-read prices\n",
      plural(static_cast<int>(c.iterations.size()), "iteration"), c.excess_usd);
  TextTable table({true, false, true, true, false}, 2);
  table.add({"iter", "item", "cache_hit", "above_read", "likely cause"});
  for (const auto& miss : c.iterations) {
    table.add({iteration_text(in, miss.run_id, miss.iteration), item_text(miss.item_id),
               percent(miss.cache_hit_ratio), money(miss.excess_usd), miss.detail});
  }
  out += table.text();
}

void context_text(const Insights& in, std::string& out) {
  const Context& c = in.context;
  if (c.items.empty()) {
    out += "context: none (no item passed 80% of its context window or compacted)\n";
    return;
  }
  out += fmt::format(
      "context: {} passed 80% of the context window or compacted (${:.4f}): split {} into "
      "smaller items\n",
      plural(static_cast<int>(c.items.size()), "item"), c.cost_usd,
      c.items.size() == 1 ? "it" : "them");
  TextTable table({false, true, true, true, true}, 2);
  table.add({"item", "peak", "compactions", "iterations", "cost_usd"});
  for (const auto& item : c.items) {
    table.add(
        {item_text(item.item_id),
         item.peak_context_fraction ? fmt::format("{:.0f}%", *item.peak_context_fraction * 100)
                                    : "-",
         std::to_string(item.compactions), std::to_string(item.iterations), money(item.cost_usd)});
  }
  out += table.text();
}

void anomalies_text(const Insights& in, std::string& out) {
  const Anomalies& a = in.anomalies;
  if (a.iterations.empty()) {
    out += "anomalies: none\n";
    return;
  }
  out += fmt::format("anomalies: {} flagged (${:.4f})\n",
                     plural(static_cast<int>(a.iterations.size()), "iteration"), a.cost_usd);
  TextTable table({true, false, true, false}, 2);
  table.add({"iter", "item", "cost_usd", "anomalies"});
  for (const auto& it : a.iterations) {
    std::string list;
    for (const auto& anomaly : it.anomalies) list += (list.empty() ? "" : "; ") + anomaly;
    table.add({iteration_text(in, it.run_id, it.iteration), item_text(it.item_id),
               money(it.cost_usd), list});
  }
  out += table.text();
}

}  // namespace

std::string insights_text(const Insights& in) {
  std::string out;
  std::string runs = in.runs.size() == 1 ? "run " + in.runs.front()
                                         : plural(static_cast<int>(in.runs.size()), "run");
  out += fmt::format("insights: {}, {}, ${:.4f}\n\n", runs, plural(in.iterations, "iteration"),
                     in.cost_usd);
  waste_text(in, out);
  out += "\n";
  what_if_text(in, out);
  out += "\n";
  start_lower_text(in, out);
  out += "\n";
  cache_text(in, out);
  out += "\n";
  context_text(in, out);
  out += "\n";
  anomalies_text(in, out);
  out += "\n";
  out += fmt::format(
      "could have saved: ${:.4f}, the waste; starting lower and a warmer cache are estimates "
      "and overlap with it, so they are not added\n",
      in.could_have_saved_usd());
  return out;
}

}  // namespace ralph::report
