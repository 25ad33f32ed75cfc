#include "report/html_report.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <chrono>
#include <cmath>
#include <map>

#include "../support/html_elements.hpp"
#include "report/insights.hpp"
#include "report/markup.hpp"
#include "report/report_charts.hpp"

namespace ralph::report {
namespace {

using testing::elements;
using testing::svg_by_id;

meter::IterationRecord record(int iteration, const std::string& item, const std::string& model,
                              double cost) {
  meter::IterationRecord r;
  r.run_id = "20261123-101500-ab12";
  r.iteration = iteration;
  r.item_id = item;
  r.model = model;
  r.usage = {1000L * iteration, 200, 3000, 50'000L * iteration};
  r.cost_usd = cost;
  r.cost_source = "agent";
  r.outcome = "success";
  r.duration_ms = 1234;
  r.commit = "0123456789abcdef";
  r.peak_context_tokens = 40'000;
  return r;
}

ReportPage page_of(std::vector<meter::IterationRecord> records) {
  ReportPage page;
  page.records = std::move(records);
  page.scope = "run 20261123-101500-ab12";
  page.budget_note = "no budget was set for this run";
  page.projection_note = "no projection";
  page.generated_at = "2026-11-23T10:15:00.000Z";
  return page;
}

// The iterations section of a page (the insights have tables too).
std::string_view iterations_section(std::string_view html) {
  size_t at = html.find("<section id=\"iterations\">");
  if (at == std::string_view::npos) return {};
  return html.substr(at, html.find("</section>", at) - at);
}

double number(const testing::Attributes& a, const std::string& name) {
  return std::stod(a.at(name));
}

void expect_self_contained(const std::string& html) {
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find(" href="), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

void expect_finite_numbers(const std::string& html) {
  for (const char* tag : {"rect", "circle", "line", "text", "g", "polyline"}) {
    for (const auto& attributes : elements(html, tag)) {
      for (const auto& [name, value] : attributes) {
        EXPECT_EQ(value.find("nan"), std::string::npos) << tag << " " << name;
        EXPECT_EQ(value.find("inf"), std::string::npos) << tag << " " << name;
      }
    }
  }
}

TEST(MarkupTest, EscapesUserText) {
  EXPECT_EQ(escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(escape_html("plain ü"), "plain ü");
}

TEST(MarkupTest, Numbers) {
  EXPECT_EQ(exact_number(0.1), "0.1");
  EXPECT_EQ(exact_number(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(std::stod(exact_number(1.0 / 3)), 1.0 / 3);
  EXPECT_EQ(exact_number(NAN), "0");
  EXPECT_EQ(exact_number(-0.0), "0");
  EXPECT_EQ(coordinate(12.345678), "12.35");
  EXPECT_EQ(coordinate(INFINITY), "0");
  EXPECT_EQ(dollars(0.41234), "$0.4123");
  EXPECT_EQ(grouped_integer(1234567), "1,234,567");
  EXPECT_EQ(grouped_integer(-1234), "-1,234");
  EXPECT_EQ(grouped_integer(999), "999");
  EXPECT_EQ(shorten("abcdef", 3), "abc\u2026");
  EXPECT_EQ(shorten("äöüß", 3), "äöü\u2026");
  EXPECT_EQ(shorten("abc", 3), "abc");
}

TEST(MarkupTest, DurationsAndTimes) {
  EXPECT_EQ(duration_text(0), "0s");
  EXPECT_EQ(duration_text(40.0 / 3600), "40s");
  EXPECT_EQ(duration_text(59.4 / 3600), "59s");
  EXPECT_EQ(duration_text(59.6 / 3600), "1m");
  EXPECT_EQ(duration_text(1.0 / 60), "1m");
  EXPECT_EQ(duration_text(0.75), "45m");
  EXPECT_EQ(duration_text(3 + 10.0 / 60), "3h10m");
  EXPECT_EQ(duration_text(52), "2d4h");
  EXPECT_EQ(duration_text(-1), "0s");
  EXPECT_EQ(duration_text(NAN), "0s");
  EXPECT_EQ(time_text(std::chrono::system_clock::time_point(std::chrono::seconds(1795428959))),
            "2026-11-23 10:15 UTC");
}

TEST(HtmlReportTest, ChartNumbersMatchTheRecords) {
  std::vector<meter::IterationRecord> records = {
      record(1, "US-001", "claude-sonnet-5-5", 0.0123456789),
      record(2, "US-002", "claude-sonnet-5-5", 0.3),
      record(3, "US-002", "claude-opus-5-5", 0.1),
  };
  records[2].models["claude-opus-5-5"] = {records[2].usage, 0.07};
  records[2].models["claude-haiku-5-5"] = {{10, 20, 30, 40}, 0.03};
  records[2].usage += meter::Usage{10, 20, 30, 40};
  ReportPage page = page_of(records);
  page.budget_usd = 1.0;
  std::string html = render_html_report(page);
  expect_self_contained(html);
  expect_finite_numbers(html);

  // (1) Segments add up to each record's cost.
  std::map<int, double> by_iteration;
  for (const auto& s : elements(svg_by_id(html, "chart-cost-per-iteration"), "rect", "seg")) {
    by_iteration[std::stoi(s.at("data-iteration"))] += number(s, "data-cost");
    EXPECT_EQ(s.at("data-run"), "20261123-101500-ab12");
  }
  ASSERT_EQ(by_iteration.size(), 3u);
  for (const auto& r : records) EXPECT_NEAR(by_iteration[r.iteration], r.cost_usd, 1e-12);

  // (2) The cumulative line is the running sum; the budget is drawn.
  auto points = elements(svg_by_id(html, "chart-cumulative-spend"), "circle", "point");
  ASSERT_EQ(points.size(), 3u);
  double sum = 0;
  for (size_t i = 0; i < 3; ++i) {
    sum += records[i].cost_usd;
    EXPECT_EQ(number(points[i], "data-cumulative"), sum);
  }
  auto budget = elements(svg_by_id(html, "chart-cumulative-spend"), "g", "reference");
  ASSERT_EQ(budget.size(), 1u);
  EXPECT_EQ(number(budget[0], "data-budget"), 1.0);

  // (3) Cost per item.
  std::map<std::string, double> by_item;
  for (const auto& s : elements(svg_by_id(html, "chart-cost-per-item"), "rect", "seg")) {
    by_item[s.at("data-item")] += number(s, "data-cost");
  }
  EXPECT_EQ(by_item.size(), 2u);
  EXPECT_NEAR(by_item["US-001"], 0.0123456789, 1e-15);
  EXPECT_NEAR(by_item["US-002"], 0.4, 1e-15);

  // (4) Tokens by model, by kind: every token of every record, in its model.
  std::map<std::string, std::map<std::string, double>> tokens;
  for (const auto& s : elements(svg_by_id(html, "chart-tokens-by-model"), "rect", "seg")) {
    tokens[s.at("data-model")][s.at("data-kind")] += number(s, "data-tokens");
  }
  EXPECT_EQ(tokens["claude-sonnet-5-5"]["input"], 3000);
  EXPECT_EQ(tokens["claude-sonnet-5-5"]["cache_read"], 150'000);
  EXPECT_EQ(tokens["claude-opus-5-5"]["input"], 3000);
  EXPECT_EQ(tokens["claude-haiku-5-5"]["cache_read"], 40);
  double all_tokens = 0;
  for (const auto& [model, kinds] : tokens) {
    for (const auto& [kind, count] : kinds) all_tokens += count;
  }
  double logged = 0;
  for (const auto& r : records) {
    logged +=
        static_cast<double>(r.usage.input_tokens + r.usage.output_tokens +
                            r.usage.cache_creation_input_tokens + r.usage.cache_read_input_tokens);
  }
  EXPECT_EQ(all_tokens, logged);

  // The summary and the table.
  auto summary = elements(html, "dl", "summary");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].at("data-iterations"), "3");
  EXPECT_NEAR(number(summary[0], "data-total-cost"), 0.4123456789, 1e-15);
  EXPECT_NE(html.find("$0.4123 of $1.00"), std::string::npos);
  EXPECT_EQ(elements(iterations_section(html), "tr").size(), 1 + 3 + 1u);  // heading, rows, totals
  EXPECT_NE(html.find("<td class=\"commit\" title=\"0123456789abcdef\">0123456789</td>"),
            std::string::npos);
}

TEST(HtmlReportTest, TheTableShowsContextFillAndCompactions) {
  auto full = record(1, "US-001", "claude-sonnet-5-5", 0.1);
  full.peak_context_fraction = 0.9;
  full.compactions = 2;
  auto unknown = record(2, "US-002", "claude-mystery-9", 0.1);
  std::string html = render_html_report(page_of({full, unknown}));
  EXPECT_NE(html.find("<th class=\"num\">context fill</th>"), std::string::npos);
  auto fills = elements(html, "td");
  std::vector<std::string> fractions;
  std::vector<std::string> compactions;
  for (const auto& td : fills) {
    if (td.count("data-context-fraction")) fractions.push_back(td.at("data-context-fraction"));
    if (td.count("data-compactions")) compactions.push_back(td.at("data-compactions"));
  }
  EXPECT_EQ(fractions, std::vector<std::string>{"0.9"});  // the other's window is not known
  EXPECT_EQ(compactions, (std::vector<std::string>{"2", "0"}));
  EXPECT_NE(html.find(">90%</td>"), std::string::npos);
}

TEST(HtmlReportTest, NoBudgetMeansNoLineAndANote) {
  std::string html = render_html_report(page_of({record(1, "US-001", "claude-sonnet-5-5", 0.2)}));
  EXPECT_TRUE(elements(html, "g", "reference").empty());
  EXPECT_NE(html.find("No budget line: no budget was set for this run."), std::string::npos);
  // Nor a projection, nor a forecast: nothing dashed is drawn.
  std::string_view spend = svg_by_id(html, "chart-cumulative-spend");
  ASSERT_FALSE(spend.empty());
  EXPECT_EQ(spend.find("stroke-dasharray"), std::string::npos);
  EXPECT_EQ(html.find("id=\"forecast\""), std::string::npos);
}

using std::chrono::hours;
using std::chrono::minutes;

// 2026-11-23T10:15:00Z
WallTime at_ten_fifteen() {
  return WallTime(std::chrono::seconds(1795428900));
}

// Three iterations, $0.60; two items left, expected $0.50 ($0.30-$0.80) and 30 minutes.
ReportPage forecast_page() {
  ReportPage page = page_of({record(1, "US-001", "claude-sonnet-5-5", 0.1),
                             record(2, "US-002", "claude-sonnet-5-5", 0.2),
                             record(3, "US-002", "claude-sonnet-5-5", 0.3)});
  Projection p;
  p.remaining_items = 2;
  p.completed_items = 2;
  p.basis_cost_usd = 0.6;
  p.expected_usd = 0.5;
  p.low_usd = 0.3;
  p.high_usd = 0.8;
  p.basis_hours = 0.5;
  p.expected_hours = 0.5;
  p.low_hours = 0.4;
  p.high_hours = 0.9;
  page.projection = p;
  page.budget_usd = 5.0;
  Forecast f;
  f.burn_usd_per_hour = 1.2;
  f.recent_burn_usd_per_hour = 1.5;
  f.recent_iterations = 3;
  f.iterations_per_hour = 6;
  f.hours_per_completed_item = 0.25;
  f.finish_hours = 0.5;
  f.finish_low_hours = 0.4;
  f.finish_high_hours = 0.9;
  f.finish_at = at_ten_fifteen() + minutes(30);
  CapForecast run{"run", 5.0, 0.6, std::nullopt, at_ten_fifteen() + minutes(176), false};
  CapForecast day{
      "day", 2.0, 1.1, at_ten_fifteen() + hours(13) + minutes(45), at_ten_fifteen() + minutes(36),
      false};
  f.caps = {run, day};
  f.within_budget = true;
  page.forecast = f;
  return page;
}

TEST(HtmlReportTest, ForecastOnTheSpendChart) {
  std::string html = render_html_report(forecast_page());
  expect_finite_numbers(html);
  expect_self_contained(html);
  std::string_view spend = svg_by_id(html, "chart-cumulative-spend");
  ASSERT_FALSE(spend.empty());

  // The dashed continuation from the last point ($0.60) to $0.60 + $0.50, in its band.
  auto points = elements(spend, "circle", "point");
  ASSERT_EQ(points.size(), 3u);
  auto dashed = elements(spend, "path", "projection-line");
  ASSERT_EQ(dashed.size(), 1u);
  EXPECT_DOUBLE_EQ(number(dashed[0], "data-from"), 0.6);
  EXPECT_DOUBLE_EQ(number(dashed[0], "data-expected"), 0.6 + 0.5);
  EXPECT_EQ(dashed[0].at("stroke-dasharray"), "6 4");
  EXPECT_EQ(
      dashed[0].at("d").rfind(fmt::format("M{},{} ", points[2].at("cx"), points[2].at("cy")), 0),
      0u)
      << dashed[0].at("d");
  auto band = elements(spend, "path", "projection-band");
  ASSERT_EQ(band.size(), 1u);
  EXPECT_DOUBLE_EQ(number(band[0], "data-low"), 0.6 + 0.3);
  EXPECT_DOUBLE_EQ(number(band[0], "data-high"), 0.6 + 0.8);
  auto group = elements(spend, "g", "projection");
  ASSERT_EQ(group.size(), 1u);
  EXPECT_EQ(group[0].at("data-remaining-items"), "2");
  EXPECT_EQ(number(group[0], "data-expected-cost"), 0.5);
  EXPECT_NEAR(number(group[0], "data-low-cost"), 0.3, 1e-12);
  EXPECT_NEAR(number(group[0], "data-high-cost"), 0.8, 1e-12);
  EXPECT_NE(spend.find("projected to finish the 2 items left: $0.5000 more ($0.3000-$0.8000)"),
            std::string_view::npos);

  // The run's cap as a line, with when it is reached; the day's counts every loop's spend in
  // its period, not this line, so it is in the Forecast section only.
  auto caps = elements(spend, "g", "reference");
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_EQ(caps[0].at("data-cap"), "run");
  EXPECT_EQ(number(caps[0], "data-budget"), 5.0);
  EXPECT_EQ(number(caps[0], "data-spent"), 0.6);
  EXPECT_EQ(caps[0].at("data-reached"), "false");
  EXPECT_EQ(caps[0].at("data-reached-at"), "2026-11-23T13:11:00.000Z");
  EXPECT_EQ(caps[0].count("data-resets-at"), 0u);
  std::vector<std::string> listed;
  for (const auto& cap : elements(html, "div", "forecast-cap"))
    listed.push_back(cap.at("data-cap"));
  EXPECT_EQ(listed, (std::vector<std::string>{"run", "day"}));
  EXPECT_NE(spend.find("reached around 2026-11-23 13:11 UTC at the current rate"),
            std::string_view::npos);
  EXPECT_EQ(spend.find(">day cap $2.00</text>"), std::string_view::npos);
  // The axis reaches the run's cap, the highest of everything: the line at $5 is inside.
  auto grid = elements(spend, "line", "grid");
  ASSERT_FALSE(grid.empty());
  double top_y = 1e9;
  for (const auto& g : grid) top_y = std::min(top_y, number(g, "y1"));
  std::vector<double> cap_ys;  // the lines across the plot (the legend's are short)
  for (const auto& l : elements(spend, "line")) {
    if (l.count("stroke") && l.count("stroke-dasharray") && l.at("x1") == "72") {
      cap_ys.push_back(number(l, "y1"));
    }
  }
  ASSERT_EQ(cap_ys.size(), 1u);
  EXPECT_GE(cap_ys[0], top_y);         // $5 within the axis
  EXPECT_LT(cap_ys[0], top_y + 22.0);  // and near its top ($5 of at most $5.50)
  EXPECT_NE(html.find("The dashed line leads to the expected cost to finish"), std::string::npos);
}

TEST(HtmlReportTest, ForecastSummary) {
  std::string html = render_html_report(forecast_page());
  auto lists = elements(html, "dl", "forecast");
  ASSERT_EQ(lists.size(), 1u);
  const auto& f = lists[0];
  EXPECT_EQ(number(f, "data-burn-usd-per-hour"), 1.2);
  EXPECT_EQ(number(f, "data-recent-burn-usd-per-hour"), 1.5);
  EXPECT_EQ(f.at("data-recent-iterations"), "3");
  EXPECT_EQ(number(f, "data-iterations-per-hour"), 6);
  EXPECT_EQ(number(f, "data-hours-per-completed-item"), 0.25);
  EXPECT_EQ(number(f, "data-finish-hours"), 0.5);
  EXPECT_EQ(number(f, "data-finish-low-hours"), 0.4);
  EXPECT_EQ(number(f, "data-finish-high-hours"), 0.9);
  EXPECT_EQ(f.at("data-finish-at"), "2026-11-23T10:45:00.000Z");
  EXPECT_EQ(f.at("data-within-budget"), "true");
  EXPECT_NE(html.find("<h2>Forecast</h2>"), std::string::npos);
  for (const char* text : {
           "$1.2000/h over the run, $1.5000/h over the last 3 iterations",
           "<dt>Iterations per hour</dt><dd>6.0</dd>",
           "<dt>Time per completed item</dt><dd>15m</dd>",
           "~30m (24m-54m), around 2026-11-23 10:45 UTC",
           "<dt>Run budget</dt><dd>$0.6000 of $5.0000 spent: reached around 2026-11-23 13:11 UTC",
           "<dt>Day cap</dt><dd>$1.1000 of $2.0000 spent: reached around 2026-11-23 10:51",
           "yes: the expected $0.5000 to finish fits in the $0.9000 the tightest cap has left",
       }) {
    EXPECT_NE(html.find(text), std::string::npos) << text;
  }
  auto caps = elements(html, "div", "forecast-cap");
  ASSERT_EQ(caps.size(), 2u);
  EXPECT_EQ(caps[0].at("data-cap"), "run");
  EXPECT_EQ(number(caps[0], "data-budget"), 5.0);
  EXPECT_EQ(caps[0].at("data-reached-at"), "2026-11-23T13:11:00.000Z");
  EXPECT_EQ(caps[1].at("data-cap"), "day");
  EXPECT_EQ(caps[1].at("data-resets-at"), "2026-11-24T00:00:00.000Z");
}

TEST(HtmlReportTest, ForecastSaysWhatItDoesNotKnow) {
  // No item completed, no time recorded yet; the run's cap used up, the week's far off.
  ReportPage page = forecast_page();
  page.projection->completed_items = 0;
  page.projection->expected_usd.reset();
  page.projection->low_usd.reset();
  page.projection->high_usd.reset();
  Forecast& f = *page.forecast;
  f = Forecast{};
  CapForecast run{"run", 0.5, 0.6, std::nullopt, at_ten_fifteen(), true};
  CapForecast week{"<week>", 9, 1, at_ten_fifteen() + hours(30), std::nullopt, false};
  f.caps = {run, week};
  std::string html = render_html_report(page);
  auto lists = elements(html, "dl", "forecast");
  ASSERT_EQ(lists.size(), 1u);
  for (const char* absent : {"data-burn-usd-per-hour", "data-iterations-per-hour",
                             "data-finish-hours", "data-finish-at", "data-within-budget"}) {
    EXPECT_EQ(lists[0].count(absent), 0u) << absent;
  }
  for (const char* text : {
           "<dt>Burn rate</dt><dd>not known yet: no time recorded</dd>",
           "<dt>Iterations per hour</dt><dd>not known yet</dd>",
           "<dt>Time per completed item</dt><dd>no item completed yet</dd>",
           "<dd>no estimate: no projection for the 2 items left: no item completed yet</dd>",
           "<dd>$0.6000 of $0.5000 spent: reached</dd>",
           "<dt>&lt;week&gt; cap</dt><dd>$1.0000 of $9.0000 spent: not reached before it "
           "resets at 2026-11-24 16:15 UTC</dd>",
           "<dt>Within budget</dt><dd>not known: no projection to finish</dd>",
       }) {
    EXPECT_NE(html.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(html.find("<week>"), std::string::npos);
  std::string_view spend = svg_by_id(html, "chart-cumulative-spend");
  EXPECT_TRUE(elements(spend, "path", "projection-line").empty());
  auto caps = elements(spend, "g", "reference");
  ASSERT_EQ(caps.size(), 1u);  // the week's is listed, not drawn
  EXPECT_EQ(caps[0].at("data-reached"), "true");

  // Over budget: the expected cost to finish is more than the run has left.
  page = forecast_page();
  page.forecast->caps[0].spent_usd = 4.8;
  page.forecast->within_budget = false;
  html = render_html_report(page);
  EXPECT_EQ(elements(html, "dl", "forecast")[0].at("data-within-budget"), "false");
  EXPECT_NE(html.find("<dd>no: the expected $0.5000 to finish is more than the $0.2000 the "
                      "tightest cap has left</dd>"),
            std::string::npos);

  // Without a forecast, the page says why, and the budget is still the run's line.
  page.forecast.reset();
  page.forecast_note = "no forecast: <why>";
  html = render_html_report(page);
  EXPECT_NE(html.find("<p class=\"forecast-note\">no forecast: &lt;why&gt;</p>"),
            std::string::npos);
  EXPECT_TRUE(elements(html, "dl", "forecast").empty());
  caps = elements(svg_by_id(html, "chart-cumulative-spend"), "g", "reference");
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_EQ(caps[0].at("data-cap"), "run");
  EXPECT_EQ(number(caps[0], "data-budget"), 5.0);
  EXPECT_NEAR(number(caps[0], "data-spent"), 0.6, 1e-12);
}

TEST(HtmlReportTest, NothingLeftMeansNoProjectionDrawn) {
  ReportPage page = forecast_page();
  page.projection->remaining_items = 0;
  page.projection->expected_usd = page.projection->low_usd = page.projection->high_usd = 0.0;
  page.forecast->finish_hours = 0.0;
  std::string html = render_html_report(page);
  std::string_view spend = svg_by_id(html, "chart-cumulative-spend");
  EXPECT_TRUE(elements(spend, "path", "projection-line").empty());
  EXPECT_TRUE(elements(spend, "path", "projection-band").empty());
  EXPECT_EQ(elements(spend, "g", "reference").size(), 1u);
  EXPECT_NE(html.find("<dt>Time to finish</dt><dd>nothing left to finish</dd>"), std::string::npos);
  // No item completed yet: no estimate to draw either.
  page = forecast_page();
  page.projection->expected_usd.reset();
  html = render_html_report(page);
  EXPECT_TRUE(
      elements(svg_by_id(html, "chart-cumulative-spend"), "path", "projection-line").empty());
}

TEST(HtmlReportTest, EmptySelectionIsAValidPageSayingSo) {
  std::string html = render_html_report(page_of({}));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("id=\"nothing-yet\""), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  expect_self_contained(html);
}

TEST(HtmlReportTest, ZeroCostsDrawWithoutNaN) {
  std::vector<meter::IterationRecord> records;
  for (int i = 1; i <= 3; ++i) {
    records.push_back(record(i, "US-001", "claude-sonnet-5-5", 0));
    records.back().usage = {};
  }
  ReportPage page = page_of(records);
  page.budget_usd = 0.0;
  std::string html = render_html_report(page);
  expect_finite_numbers(html);
  EXPECT_EQ(html.find("NaN"), std::string::npos);
  EXPECT_EQ(elements(svg_by_id(html, "chart-cost-per-iteration"), "g", "bar").size(), 3u);
  EXPECT_NE(html.find("0.0% of the input"), std::string::npos);
}

TEST(HtmlReportTest, UserTextIsEscapedEverywhere) {
  auto r = record(1, "<script>alert('item')</script>", "m\"><img src=x onerror=alert(1)>", 0.5);
  r.outcome = "<b>odd</b>";
  r.commit = "\"><script>";
  ReportPage page = page_of({r});
  page.scope = "run <i>x</i>";
  page.item_titles[*r.item_id] = "Title & <em>more</em>";
  page.run_status = "halted: error - <oops>";
  std::string html = render_html_report(page);
  for (const char* raw : {"<script", "<img", "<b>", "<i>", "<em>", "<oops>"}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
  }
  EXPECT_NE(html.find("title=\"&quot;&gt;&lt;script&gt;\""), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;item&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("Title &amp; &lt;em&gt;more&lt;/em&gt;"), std::string::npos);
  // The data still reads back as the log wrote it.
  auto segments = elements(svg_by_id(html, "chart-cost-per-item"), "rect", "seg");
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].at("data-item"), *r.item_id);
}

TEST(HtmlReportTest, FiveHundredIterationsStayReadable) {
  std::vector<meter::IterationRecord> records;
  for (int i = 1; i <= 500; ++i) {
    records.push_back(record(i, fmt::format("US-{:03}", i % 7), "claude-sonnet-5-5", 0.01 * i));
  }
  std::string html = render_html_report(page_of(records));
  std::string_view columns = svg_by_id(html, "chart-cost-per-iteration");
  EXPECT_EQ(elements(columns, "g", "bar").size(), 500u);
  auto labels = elements(columns, "text", "x-label");
  EXPECT_GE(labels.size(), 5u);
  EXPECT_LE(labels.size(), 20u);
  EXPECT_EQ(elements(iterations_section(html), "tr").size(), 502u);
  EXPECT_LT(html.size(), 3'000'000u);
  expect_finite_numbers(html);
}

TEST(HtmlReportTest, SeveralRunsAreNumberedInLogOrder) {
  auto a = record(1, "US-001", "claude-sonnet-5-5", 0.1);
  auto b = record(1, "US-001", "claude-sonnet-5-5", 0.2);
  b.run_id = "second-run";
  ReportPage page = page_of({a, b});
  page.scope = "all runs (2)";
  std::string html = render_html_report(page);
  auto bars = elements(svg_by_id(html, "chart-cost-per-iteration"), "g", "bar");
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[1].at("data-run"), "second-run");
  EXPECT_NE(html.find("iterations of every run, in log order"), std::string::npos);
  EXPECT_NE(html.find("<th>run</th>"), std::string::npos);
}

TEST(HtmlReportTest, InsightsSectionHasItsFigures) {
  const meter::PricingTable pricing = meter::PricingTable::builtin();
  auto wasted = record(1, "US-001", "claude-sonnet-5-5", 0.25);
  wasted.usage = {5'000, 1'000, 60'000, 0};  // the first iteration: a cold cache
  wasted.peak_context_fraction = 0.9;
  auto done = record(2, "US-002", "claude-opus-5-5", 0.5);
  done.items_completed = {"US-002"};
  done.tier = 2;
  done.model_reason = "start_tier auto: <high>";
  done.anomalies = {"cost 6.2x the run's median"};
  ReportPage page = page_of({wasted, done});
  page.ladder = {"haiku", "sonnet", "opus"};
  std::string html = render_html_report(page);
  Insights in = compute_insights(page.records, pricing, page.ladder);

  EXPECT_NE(html.find("<section id=\"insights\">\n<h2>Insights</h2>"), std::string::npos);
  auto summary = elements(html, "dl", "insights-summary");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_DOUBLE_EQ(number(summary[0], "data-could-have-saved"), 0.25);
  EXPECT_DOUBLE_EQ(number(summary[0], "data-waste-cost"), 0.25);
  EXPECT_DOUBLE_EQ(number(summary[0], "data-waste-share"), 0.25 / 0.75);
  EXPECT_DOUBLE_EQ(number(summary[0], "data-start-lower-saving"), in.start_lower.saving_usd);
  EXPECT_DOUBLE_EQ(number(summary[0], "data-cache-excess"), in.cache.excess_usd);
  EXPECT_DOUBLE_EQ(number(summary[0], "data-context-cost"), 0.25);
  EXPECT_DOUBLE_EQ(number(summary[0], "data-anomalies-cost"), 0.5);

  auto waste = elements(html, "tr", "waste-item");
  ASSERT_EQ(waste.size(), 1u);
  EXPECT_EQ(waste[0].at("data-item"), "US-001");
  EXPECT_EQ(waste[0].at("data-iterations"), "1");
  EXPECT_DOUBLE_EQ(number(waste[0], "data-cost"), 0.25);

  auto what_if = elements(html, "tr", "what-if-model");
  ASSERT_EQ(what_if.size(), 3u);
  ASSERT_EQ(in.what_if.models.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(what_if[i].at("data-model"), page.ladder[i]);
    EXPECT_DOUBLE_EQ(number(what_if[i], "data-cost"), in.what_if.models[i].cost_usd);
    EXPECT_DOUBLE_EQ(number(what_if[i], "data-difference"), in.what_if.models[i].cost_usd - 0.75);
  }
  EXPECT_EQ(what_if[0].at("data-used"), "false");
  EXPECT_EQ(what_if[2].at("data-used"), "true");
  EXPECT_NE(html.find("data-estimate=\"true\""), std::string::npos);

  auto lower = elements(html, "tr", "start-lower-item");
  ASSERT_EQ(lower.size(), 1u);
  EXPECT_EQ(lower[0].at("data-item"), "US-002");
  EXPECT_EQ(lower[0].at("data-tier"), "2");
  const meter::TokenPrices& haiku = pricing.price_for("haiku").standard;
  double repriced =
      (done.usage.input_tokens * haiku.input + done.usage.output_tokens * haiku.output +
       done.usage.cache_creation_input_tokens * haiku.cache_write +
       done.usage.cache_read_input_tokens * haiku.cache_read) /
      1e6;
  EXPECT_NEAR(number(lower[0], "data-repriced"), repriced, 1e-12);
  EXPECT_NEAR(number(lower[0], "data-saving"), 0.5 - repriced, 1e-12);
  EXPECT_NE(html.find("start_tier auto: &lt;high&gt;"), std::string::npos);

  auto cache = elements(html, "tr", "cache-miss");
  ASSERT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache[0].at("data-iter"), "1");
  EXPECT_EQ(cache[0].at("data-cause"), "first_iteration");
  EXPECT_DOUBLE_EQ(number(cache[0], "data-excess"), in.cache.excess_usd);

  auto context = elements(html, "tr", "context-item");
  ASSERT_EQ(context.size(), 1u);
  EXPECT_EQ(context[0].at("data-item"), "US-001");
  EXPECT_DOUBLE_EQ(number(context[0], "data-peak-context-fraction"), 0.9);

  auto anomalies = elements(html, "tr", "anomaly");
  ASSERT_EQ(anomalies.size(), 1u);
  EXPECT_EQ(anomalies[0].at("data-anomalies"), "cost 6.2x the run's median");
  EXPECT_DOUBLE_EQ(number(anomalies[0], "data-cost"), 0.5);
  EXPECT_EQ(anomalies[0].at("data-iter"), "2");
  EXPECT_EQ(lower[0].at("data-iter"), "2");
  // data-iteration stays the iteration table's: scripts find its rows by it.
  size_t with_iteration = 0;
  for (const auto& row : elements(html, "tr")) with_iteration += row.count("data-iteration");
  EXPECT_EQ(with_iteration, 2u);
  expect_self_contained(html);
}

TEST(HtmlReportTest, InsightsWithNothingToSaySayNone) {
  auto r = record(1, "US-001", "claude-sonnet-5-5", 0.1);
  r.items_completed = {"US-001"};
  std::string html = render_html_report(page_of({r}));
  auto none = elements(html, "p", "insights-none");
  std::vector<std::string> sections;
  for (const auto& p : none) sections.push_back(p.at("data-section"));
  EXPECT_EQ(sections,
            (std::vector<std::string>{"waste", "start-lower", "cache", "context", "anomalies"}));
  EXPECT_NE(html.find("none (no model ladder: &quot;models&quot; in ralph.json)"),
            std::string::npos);
  EXPECT_EQ(elements(html, "tr", "what-if-model").size(), 3u);  // haiku, sonnet, opus
}

TEST(ReportChartsTest, UnpricedModelGetsItsOwnSeries) {
  auto r = record(1, "US-001", "gpt-7", 0.5);
  BarChart chart = cost_per_iteration_chart({r}, meter::PricingTable::builtin());
  ASSERT_EQ(chart.series.size(), 5u);
  EXPECT_EQ(chart.series.back().key, "unpriced");
  EXPECT_EQ(chart.bars[0].values.back(), 0.5);
  BarChart priced = cost_per_iteration_chart({record(1, "US-001", "claude-sonnet-5-5", 0.5)},
                                             meter::PricingTable::builtin());
  EXPECT_EQ(priced.series.size(), 4u);
}

}  // namespace
}  // namespace ralph::report
