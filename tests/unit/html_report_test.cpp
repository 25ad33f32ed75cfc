#include "report/html_report.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <cmath>
#include <map>

#include "../support/html_elements.hpp"
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
  EXPECT_EQ(elements(html, "tr").size(), 1 + 3 + 1u);  // heading, rows, totals
  EXPECT_NE(html.find("<td class=\"commit\" title=\"0123456789abcdef\">0123456789</td>"),
            std::string::npos);
}

TEST(HtmlReportTest, NoBudgetMeansNoLineAndANote) {
  std::string html = render_html_report(page_of({record(1, "US-001", "claude-sonnet-5-5", 0.2)}));
  EXPECT_TRUE(elements(html, "g", "reference").empty());
  EXPECT_NE(html.find("No budget line: no budget was set for this run."), std::string::npos);
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
  EXPECT_EQ(elements(html, "tr").size(), 502u);
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
