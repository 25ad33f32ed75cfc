#include "report/insights_html.hpp"

#include <fmt/format.h>

#include "report/markup.hpp"

namespace ralph::report {

namespace {

// One `data-name="value"` attribute, the value escaped.
std::string attr(const char* name, const std::string& value) {
  return fmt::format(" data-{}=\"{}\"", name, escape_html(value));
}
std::string attr(const char* name, double value) {
  return fmt::format(" data-{}=\"{}\"", name, exact_number(value));
}
std::string attr(const char* name, int value) {
  return fmt::format(" data-{}=\"{}\"", name, value);
}

std::string cell(const std::string& text) {
  return "<td>" + escape_html(text) + "</td>";
}
std::string num_cell(const std::string& text) {
  return "<td class=\"num\">" + escape_html(text) + "</td>";
}
std::string header(std::initializer_list<const char*> names) {
  std::string out = "<thead><tr>";
  for (const char* name : names) out += fmt::format("<th>{}</th>", escape_html(name));
  return out + "</tr></thead>\n";
}

std::string item_name(const std::optional<std::string>& item) {
  return item ? *item : "(no item)";
}

std::string percent(double fraction) {
  return fmt::format("{:.1f}%", fraction * 100);
}

// A part of the insights: its heading, a line of prose, and its table or "none".
std::string insight_part(const char* id, const char* title, const std::string& note,
                         const std::string& table, const std::string& none) {
  std::string out = fmt::format("<h3 id=\"insights-{}-title\">{}</h3>\n", id, escape_html(title));
  if (table.empty()) {
    return out + fmt::format("<p class=\"insights-none\" data-section=\"{}\">none{}</p>\n", id,
                             none.empty() ? "" : " (" + escape_html(none) + ")");
  }
  if (!note.empty()) out += "<p class=\"insights-note\">" + escape_html(note) + "</p>\n";
  return out + table;
}

std::string waste_part(const Insights& in) {
  const Waste& w = in.waste;
  std::string table;
  if (w.iterations > 0) {
    table = "<table class=\"insights\" id=\"insights-waste\">\n" +
            header({"item", "iterations", "cost"}) + "<tbody>\n";
    for (const auto& item : w.items) {
      table += "<tr class=\"waste-item\"" + attr("item", item_name(item.item_id)) +
               attr("iterations", item.iterations) + attr("cost", item.cost_usd) + ">" +
               cell(item_name(item.item_id)) + num_cell(std::to_string(item.iterations)) +
               num_cell(dollars(item.cost_usd)) + "</tr>\n";
    }
    table += "</tbody>\n<tfoot><tr class=\"waste-total\"" + attr("iterations", w.iterations) +
             attr("cost", w.cost_usd) + attr("share", w.share) + ">" + cell("total") +
             num_cell(std::to_string(w.iterations)) + num_cell(dollars(w.cost_usd)) +
             "</tr></tfoot>\n</table>\n";
  }
  return insight_part("waste", "Waste",
                      fmt::format("{} ({} of the cost) went to iterations that completed nothing.",
                                  dollars(w.cost_usd), percent(w.share)),
                      table, "every iteration completed an item");
}

std::string what_if_part(const Insights& in) {
  const WhatIf& w = in.what_if;
  std::string table;
  if (!w.models.empty()) {
    table = "<table class=\"insights\" id=\"insights-what-if\" data-estimate=\"true\"" +
            attr("basis", std::string(w.from_ladder ? "ladder" : "models_used")) +
            attr("actual", w.actual_usd) + ">\n" + header({"model", "cost", "vs actual", ""}) +
            "<tbody>\n<tr class=\"what-if-actual\"" + attr("cost", w.actual_usd) + ">" +
            cell("actual") + num_cell(dollars(w.actual_usd)) + cell("") + cell("") + "</tr>\n";
    for (const auto& m : w.models) {
      std::string name = m.model;
      if (!m.priced_as.empty() && m.priced_as != m.model) name += " (" + m.priced_as + ")";
      std::string difference =
          (m.difference_usd < 0 ? "-" : "+") + dollars(std::abs(m.difference_usd));
      table += "<tr class=\"what-if-model\"" + attr("model", m.model) +
               attr("priced-as", m.priced_as) + attr("cost", m.cost_usd) +
               attr("difference", m.difference_usd) +
               attr("used", std::string(m.used ? "true" : "false")) + ">" + cell(name) +
               num_cell(dollars(m.cost_usd)) + num_cell(difference) + cell(m.used ? "used" : "") +
               "</tr>\n";
    }
    table += "</tbody>\n</table>\n";
  }
  return insight_part(
      "what-if", "What if",
      fmt::format("An estimate: the same tokens re-priced at each model {} (standard prices); "
                  "another model would have used other tokens.",
                  w.from_ladder ? "of the ladder" : "used and at haiku, sonnet and opus"),
      table, "");
}

std::string start_lower_part(const Insights& in) {
  const StartLower& s = in.start_lower;
  std::string table;
  if (!s.items.empty()) {
    table = "<table class=\"insights\" id=\"insights-start-lower\"" +
            attr("lowest-model", s.lowest_model) + attr("cost", s.cost_usd) +
            attr("repriced", s.repriced_usd) + attr("saving", s.saving_usd) + ">\n" +
            header({"item", "iteration", "model", "tier", "cost", "at the lowest model", "saving",
                    "why this model"}) +
            "<tbody>\n";
    for (const auto& item : s.items) {
      table += "<tr class=\"start-lower-item\"" + attr("item", item.item_id) +
               attr("run", item.run_id) + attr("iter", item.iteration) + attr("model", item.model) +
               attr("tier", item.tier) + attr("cost", item.cost_usd) +
               attr("repriced", item.repriced_usd) + attr("saving", item.saving_usd) + ">" +
               cell(item.item_id) + num_cell(std::to_string(item.iteration)) + cell(item.model) +
               num_cell(std::to_string(item.tier)) + num_cell(dollars(item.cost_usd)) +
               num_cell(dollars(item.repriced_usd)) + num_cell(dollars(item.saving_usd)) +
               cell(item.model_reason) + "</tr>\n";
    }
    table += "</tbody>\n</table>\n";
  }
  return insight_part(
      "start-lower", "Start lower",
      fmt::format("An estimate: items completed at their first try above the lowest model would "
                  "have cost {} at {}, {} less, had it done as well.",
                  dollars(s.repriced_usd), s.lowest_model, dollars(s.saving_usd)),
      table,
      s.lowest_model.empty() ? "no model ladder: \"models\" in ralph.json"
                             : "no item completed at its first try above the lowest model");
}

std::string cache_part(const Insights& in) {
  const Cache& c = in.cache;
  std::string table;
  if (!c.iterations.empty()) {
    table = "<table class=\"insights\" id=\"insights-cache\"" + attr("excess", c.excess_usd) +
            ">\n" +
            header({"iteration", "item", "model", "cache hit", "above cache-read prices",
                    "likely cause"}) +
            "<tbody>\n";
    for (const auto& miss : c.iterations) {
      table += "<tr class=\"cache-miss\"" + attr("run", miss.run_id) +
               attr("iter", miss.iteration) + attr("item", item_name(miss.item_id)) +
               attr("model", miss.model) + attr("cache-hit-ratio", miss.cache_hit_ratio) +
               attr("cause", std::string(cache_cause_key(miss.cause))) +
               attr("excess", miss.excess_usd) + attr("cost", miss.cost_usd) + ">" +
               num_cell(std::to_string(miss.iteration)) + cell(item_name(miss.item_id)) +
               cell(miss.model) + num_cell(percent(miss.cache_hit_ratio)) +
               num_cell(dollars(miss.excess_usd)) + cell(miss.detail) + "</tr>\n";
    }
    table += "</tbody>\n</table>\n";
  }
  return insight_part(
      "cache", "Cache",
      fmt::format("Iterations that read less than half their input from the prompt cache: their "
                  "cache writes and uncached input cost {} above cache-read prices.",
                  dollars(c.excess_usd)),
      table, "every iteration read at least half its input from the cache");
}

std::string context_part(const Insights& in) {
  const Context& c = in.context;
  std::string table;
  if (!c.items.empty()) {
    table = "<table class=\"insights\" id=\"insights-context\"" + attr("cost", c.cost_usd) + ">\n" +
            header({"item", "peak context", "compactions", "iterations", "cost"}) + "<tbody>\n";
    for (const auto& item : c.items) {
      table += "<tr class=\"context-item\"" + attr("item", item_name(item.item_id));
      if (item.peak_context_fraction) {
        table += attr("peak-context-fraction", *item.peak_context_fraction);
      }
      table += attr("compactions", item.compactions) + attr("iterations", item.iterations) +
               attr("cost", item.cost_usd) + ">" + cell(item_name(item.item_id)) +
               num_cell(item.peak_context_fraction
                            ? fmt::format("{:.0f}%", *item.peak_context_fraction * 100)
                            : std::string("-")) +
               num_cell(std::to_string(item.compactions)) +
               num_cell(std::to_string(item.iterations)) + num_cell(dollars(item.cost_usd)) +
               "</tr>\n";
    }
    table += "</tbody>\n</table>\n";
  }
  return insight_part("context", "Context",
                      fmt::format("Items whose context passed 80% of the window or compacted ({}): "
                                  "split them into smaller items.",
                                  dollars(c.cost_usd)),
                      table, "no item passed 80% of its context window or compacted");
}

std::string anomalies_part(const Insights& in) {
  const Anomalies& a = in.anomalies;
  std::string table;
  if (!a.iterations.empty()) {
    table = "<table class=\"insights\" id=\"insights-anomalies\"" + attr("cost", a.cost_usd) +
            ">\n" + header({"iteration", "item", "cost", "anomalies"}) + "<tbody>\n";
    for (const auto& it : a.iterations) {
      std::string list;
      for (const auto& anomaly : it.anomalies) list += (list.empty() ? "" : "; ") + anomaly;
      table += "<tr class=\"anomaly\"" + attr("run", it.run_id) + attr("iter", it.iteration) +
               attr("item", item_name(it.item_id)) + attr("cost", it.cost_usd) +
               attr("anomalies", list) + ">" + num_cell(std::to_string(it.iteration)) +
               cell(item_name(it.item_id)) + num_cell(dollars(it.cost_usd)) + cell(list) +
               "</tr>\n";
    }
    table += "</tbody>\n</table>\n";
  }
  return insight_part("anomalies", "Anomalies",
                      fmt::format("Iterations flagged as anomalies ({}).", dollars(a.cost_usd)),
                      table, "");
}

}  // namespace

std::string insights_section(const Insights& in) {
  std::string out =
      "<section id=\"insights\">\n<h2>Insights</h2>\n<dl class=\"insights-summary\"" +
      attr("cost", in.cost_usd) + attr("could-have-saved", in.could_have_saved_usd()) +
      attr("waste-cost", in.waste.cost_usd) + attr("waste-share", in.waste.share) +
      attr("start-lower-saving", in.start_lower.saving_usd) +
      attr("cache-excess", in.cache.excess_usd) + attr("context-cost", in.context.cost_usd) +
      attr("anomalies-cost", in.anomalies.cost_usd) + ">\n";
  out += summary_entry("Could have saved",
                       dollars(in.could_have_saved_usd()) +
                           ": the waste (starting lower and the cache are estimates and overlap "
                           "with it, so they are not added)");
  out += summary_entry("Waste", fmt::format("{} ({}) on {} iteration{}", dollars(in.waste.cost_usd),
                                            percent(in.waste.share), in.waste.iterations,
                                            in.waste.iterations == 1 ? "" : "s"));
  out += summary_entry("Start lower", in.start_lower.lowest_model.empty()
                                          ? std::string("no model ladder")
                                          : dollars(in.start_lower.saving_usd) + " (estimate)");
  out +=
      summary_entry("Cache", fmt::format("{} above cache-read prices in {} iteration{}",
                                         dollars(in.cache.excess_usd), in.cache.iterations.size(),
                                         in.cache.iterations.size() == 1 ? "" : "s"));
  out += summary_entry(
      "Context", fmt::format("{} on {} item{} to split", dollars(in.context.cost_usd),
                             in.context.items.size(), in.context.items.size() == 1 ? "" : "s"));
  out += summary_entry(
      "Anomalies",
      fmt::format("{} on {} flagged iteration{}", dollars(in.anomalies.cost_usd),
                  in.anomalies.iterations.size(), in.anomalies.iterations.size() == 1 ? "" : "s"));
  out += "</dl>\n";
  out += waste_part(in) + what_if_part(in) + start_lower_part(in) + cache_part(in) +
         context_part(in) + anomalies_part(in);
  return out + "</section>\n";
}

}  // namespace ralph::report
