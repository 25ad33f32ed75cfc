#include "report/svg_chart.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <cmath>

#include "../support/html_elements.hpp"

namespace ralph::report {
namespace {

using testing::elements;

BarChart iterations_chart(int count, double cost_each) {
  BarChart chart;
  chart.id = "c";
  chart.title = "Cost";
  chart.x_title = "iteration";
  chart.value_attribute = "cost";
  chart.series = {{"input", "input", "#111"}, {"output", "output", "#222"}};
  for (int i = 1; i <= count; ++i) {
    chart.bars.push_back({std::to_string(i),
                          fmt::format("iteration {}", i),
                          {{"iteration", std::to_string(i)}},
                          {cost_each * 0.25, cost_each * 0.75}});
  }
  return chart;
}

// Every number in a coordinate or data attribute is finite.
void expect_no_nan(const std::string& svg) {
  EXPECT_EQ(svg.find("nan"), std::string::npos) << svg.substr(0, 2000);
  EXPECT_EQ(svg.find("inf"), std::string::npos) << svg.substr(0, 2000);
  EXPECT_EQ(svg.find("NaN"), std::string::npos);
}

double number(const testing::Attributes& a, const std::string& name) {
  return std::stod(a.at(name));
}

TEST(SvgChartTest, NiceTicks) {
  Ticks t = nice_ticks(0.87);
  EXPECT_DOUBLE_EQ(t.step, 0.2);
  EXPECT_DOUBLE_EQ(t.top, 1.0);
  EXPECT_EQ(t.values.size(), 6u);
  t = nice_ticks(12345);
  EXPECT_DOUBLE_EQ(t.step, 5000);
  EXPECT_DOUBLE_EQ(t.top, 15000);
  t = nice_ticks(5);
  EXPECT_DOUBLE_EQ(t.top, 5);
  for (double bad : {0.0, -3.0, std::nan(""), HUGE_VAL}) {
    t = nice_ticks(bad);
    EXPECT_DOUBLE_EQ(t.top, 1.0) << bad;
    EXPECT_GT(t.step, 0);
  }
}

TEST(SvgChartTest, TickLabelsAreReadableAndDistinct) {
  EXPECT_EQ(tick_label(0.25, 0.05, Unit::kDollars), "$0.25");
  EXPECT_EQ(tick_label(2, 1, Unit::kDollars), "$2.00");
  EXPECT_EQ(tick_label(0.002, 0.001, Unit::kDollars), "$0.002");
  EXPECT_EQ(tick_label(0.0005, 0.0005, Unit::kDollars), "$0.0005");
  EXPECT_EQ(tick_label(500, 500, Unit::kTokens), "500");
  EXPECT_EQ(tick_label(1000, 500, Unit::kTokens), "1k");
  EXPECT_EQ(tick_label(1500, 500, Unit::kTokens), "1.5k");
  EXPECT_EQ(tick_label(12300, 100, Unit::kTokens), "12.3k");
  EXPECT_EQ(tick_label(1'200'000, 200'000, Unit::kTokens), "1.2M");
  EXPECT_EQ(tick_label(2'000'000, 1'000'000, Unit::kTokens), "2M");
  // Neighbouring ticks never share a label.
  for (double max : {0.00037, 0.0123, 0.87, 3.3, 1234.5, 987654.0, 12'345'678.0}) {
    for (Unit unit : {Unit::kDollars, Unit::kTokens}) {
      Ticks t = nice_ticks(max);
      if (unit == Unit::kTokens && t.step < 1) continue;
      for (size_t i = 1; i < t.values.size(); ++i) {
        EXPECT_NE(tick_label(t.values[i - 1], t.step, unit), tick_label(t.values[i], t.step, unit))
            << max;
      }
    }
  }
}

TEST(SvgChartTest, ExactLabels) {
  EXPECT_EQ(exact_label(0.0123456789, Unit::kDollars), "$0.0123456789");
  EXPECT_EQ(exact_label(1234567, Unit::kTokens), "1,234,567 tokens");
  EXPECT_EQ(exact_label(NAN, Unit::kDollars), "$0");
}

TEST(SvgChartTest, LabelStrideKeepsLabelsApart) {
  EXPECT_EQ(label_stride(1, 800, 44), 1);
  EXPECT_EQ(label_stride(10, 800, 44), 1);
  EXPECT_EQ(label_stride(20, 800, 44), 2);
  EXPECT_EQ(label_stride(500, 800, 44), 50);
  EXPECT_EQ(label_stride(0, 800, 44), 1);
  for (int count : {1, 7, 19, 33, 100, 499, 500, 5000}) {
    int stride = label_stride(count, 800, 44);
    EXPECT_TRUE(stride >= count || 800.0 / count * stride >= 44) << count;
  }
}

TEST(SvgChartTest, ColumnSegmentsCarryExactValues) {
  BarChart chart = iterations_chart(3, 0.1);
  chart.bars[1].values = {0.0123456789012345, 0};
  std::string svg = column_chart(chart);
  auto segments = elements(svg, "rect", "seg");
  // Zero parts are not drawn: 2 + 1 + 2.
  ASSERT_EQ(segments.size(), 5u);
  EXPECT_EQ(segments[2].at("data-iteration"), "2");
  EXPECT_EQ(segments[2].at("data-kind"), "input");
  EXPECT_EQ(number(segments[2], "data-cost"), 0.0123456789012345);
  EXPECT_EQ(segments[0].at("data-kind"), "input");
  EXPECT_EQ(segments[1].at("data-kind"), "output");
  EXPECT_DOUBLE_EQ(number(segments[0], "data-cost") + number(segments[1], "data-cost"), 0.1);
  // Stacked: the output segment sits on the input segment.
  EXPECT_NEAR(number(segments[1], "y") + number(segments[1], "height"), number(segments[0], "y"),
              0.011);
  // Each column has its tooltip with every digit.
  EXPECT_NE(svg.find("<title>iteration 2\ninput: $0.0123456789012345</title>"), std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<title>Cost</title>"), std::string::npos);
  EXPECT_NE(svg.find(">input</text>"), std::string::npos);  // the legend
}

TEST(SvgChartTest, FiveHundredColumnsGetThinBarsAndFewLabels) {
  std::string svg = column_chart(iterations_chart(500, 0.01));
  auto segments = elements(svg, "rect", "seg");
  EXPECT_EQ(segments.size(), 1000u);
  auto labels = elements(svg, "text", "x-label");
  ASSERT_FALSE(labels.empty());
  EXPECT_LE(labels.size(), 20u);
  for (size_t i = 1; i < labels.size(); ++i) {
    EXPECT_GE(number(labels[i], "x") - number(labels[i - 1], "x"), 44.0);
  }
  double right = 0;
  for (const auto& s : segments) {
    EXPECT_GT(number(s, "width"), 0.0);
    right = std::max(right, number(s, "x") + number(s, "width"));
  }
  EXPECT_LE(right, 900.0);
  expect_no_nan(svg);
}

TEST(SvgChartTest, OneColumnIsLabelled) {
  std::string svg = column_chart(iterations_chart(1, 0.5));
  auto labels = elements(svg, "text", "x-label");
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_NE(svg.find(">1</text>"), std::string::npos);
  auto segments = elements(svg, "rect", "seg");
  ASSERT_EQ(segments.size(), 2u);
  // The tallest stack stays inside the plot, and one bar does not fill it.
  EXPECT_GE(number(segments[1], "y"), 0.0);
  EXPECT_LE(number(segments[0], "width"), 48.0);
}

TEST(SvgChartTest, ZeroCostsDrawNoNaN) {
  BarChart columns = iterations_chart(4, 0);
  std::string svg = column_chart(columns) + row_chart(columns);
  EXPECT_TRUE(elements(svg, "rect", "seg").empty());
  EXPECT_EQ(elements(svg, "g", "bar").size(), 8u);  // the bars are there, with their tooltips
  LineChart line;
  line.id = "l";
  line.value_attribute = "cumulative";
  line.points = {{"1", "a", {}, 0}, {"2", "b", {}, 0}};
  line.reference = 0.0;
  svg += line_chart(line);
  LineChart empty;
  svg += line_chart(empty) + column_chart(BarChart{}) + row_chart(BarChart{});
  expect_no_nan(svg);
}

TEST(SvgChartTest, NonFiniteValuesAreDrawnAsZero) {
  BarChart chart = iterations_chart(2, 0.1);
  chart.bars[0].values = {NAN, INFINITY};
  std::string svg = column_chart(chart) + row_chart(chart);
  expect_no_nan(svg);
}

TEST(SvgChartTest, TextIsEscaped) {
  BarChart chart = iterations_chart(1, 1);
  chart.title = "<script>alert(1)</script>";
  chart.bars[0].label = "a&b";
  chart.bars[0].tooltip = "x\" onmouseover=\"alert(1)";
  chart.bars[0].data = {{"item", "<img src=x>"}};
  chart.series[0].label = "<b>";
  std::string svg = column_chart(chart) + row_chart(chart);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_EQ(svg.find("<img"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_EQ(svg.find("\" onmouseover"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("a&amp;b"), std::string::npos);
  auto segments = elements(svg, "rect", "seg");
  ASSERT_FALSE(segments.empty());
  EXPECT_EQ(segments[0].at("data-item"), "<img src=x>");
}

TEST(SvgChartTest, RowsCarryTotalsAndShortenedLabels) {
  BarChart chart = iterations_chart(2, 0.5);
  chart.bars[0].label = "a-very-long-item-identifier-that-goes-on-and-on";
  std::string svg = row_chart(chart);
  EXPECT_NE(svg.find("a-very-long-item-identifie\u2026"), std::string::npos);
  EXPECT_NE(svg.find(">$0.5000</text>"), std::string::npos);
  auto segments = elements(svg, "rect", "seg");
  ASSERT_EQ(segments.size(), 4u);
  // The longest row spans the plot in proportion to the axis (0.5 of a $0.50 top... or more).
  EXPECT_GT(number(segments[1], "x"), number(segments[0], "x"));
}

TEST(SvgChartTest, LineWithAReferenceLine) {
  LineChart line;
  line.id = "l";
  line.value_attribute = "cumulative";
  line.line_label = "spent";
  line.reference = 5.0;
  line.reference_label = "budget";
  line.reference_attribute = "budget";
  for (int i = 1; i <= 3; ++i) {
    line.points.push_back({std::to_string(i), "p", {{"iteration", std::to_string(i)}}, i * 1.5});
  }
  std::string svg = line_chart(line);
  auto points = elements(svg, "circle", "point");
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(number(points[2], "data-cumulative"), 4.5);
  auto reference = elements(svg, "g", "reference");
  ASSERT_EQ(reference.size(), 1u);
  EXPECT_EQ(reference[0].at("data-budget"), "5");
  // The budget is above every point: a smaller y.
  auto lines = elements(svg, "line");
  double budget_y = 0;
  for (const auto& l : lines) {
    if (l.count("stroke-dasharray") && l.at("stroke") == "#e15759" && l.count("x2") &&
        number(l, "x2") > 100) {
      budget_y = number(l, "y1");
    }
  }
  ASSERT_GT(budget_y, 0);
  for (const auto& p : points) EXPECT_GT(number(p, "cy"), budget_y);
  EXPECT_NE(svg.find("budget $5.00"), std::string::npos);
}

}  // namespace
}  // namespace ralph::report
