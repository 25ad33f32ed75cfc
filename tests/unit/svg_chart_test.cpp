#include "report/svg_chart.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <cmath>
#include <cstdio>
#include <set>

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
  line.references = {{0.0, "budget", "budget", {}, ""}};
  line.projection = LineProjection{0, 0, 0, "projected", "finish", "", {}};
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
  line.references = {{5.0, "budget", "budget", {}, ""}};
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
  EXPECT_NE(svg.find("<title>budget: $5</title>"), std::string::npos);
}

LineChart three_points() {
  LineChart line;
  line.id = "l";
  line.value_attribute = "cumulative";
  line.line_label = "spent";
  for (int i = 1; i <= 3; ++i) {
    line.points.push_back({std::to_string(i), "p", {{"iteration", std::to_string(i)}}, i * 1.5});
  }
  return line;
}

// The top of the value axis, read back from where the first point (1.5) is drawn.
double axis_top(const std::string& svg) {
  auto points = elements(svg, "circle", "point");
  EXPECT_FALSE(points.empty());
  if (points.empty()) return NAN;
  double bottom = 62 + 220;  // kTop + kPlotHeight
  return number(points[0], "data-cumulative") * 220 / (bottom - number(points[0], "cy"));
}

struct Segment {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

Segment segment(const std::string& d) {
  Segment s;
  EXPECT_EQ(std::sscanf(d.c_str(), "M%lf,%lf L%lf,%lf", &s.x0, &s.y0, &s.x1, &s.y1), 4) << d;
  return s;
}

TEST(SvgChartTest, ProjectionIsADashedContinuationInItsBand) {
  LineChart line = three_points();
  line.projection =
      LineProjection{7.0, 6.0, 9.0, "projected", "finish", "to finish 2 items", {{"items", "2"}}};
  std::string svg = line_chart(line);
  expect_no_nan(svg);
  auto points = elements(svg, "circle", "point");
  ASSERT_EQ(points.size(), 3u);
  auto group = elements(svg, "g", "projection");
  ASSERT_EQ(group.size(), 1u);
  EXPECT_EQ(group[0].at("data-items"), "2");

  auto dashed = elements(svg, "path", "projection-line");
  ASSERT_EQ(dashed.size(), 1u);
  EXPECT_EQ(dashed[0].at("stroke-dasharray"), "6 4");
  EXPECT_EQ(number(dashed[0], "data-from"), 4.5);
  EXPECT_EQ(number(dashed[0], "data-expected"), 7.0);
  // It starts at the last point and ends at the right edge of the plot, at 7.
  Segment d = segment(dashed[0].at("d"));
  EXPECT_NEAR(d.x0, number(points[2], "cx"), 0.01);
  EXPECT_NEAR(d.y0, number(points[2], "cy"), 0.01);
  EXPECT_NEAR(d.x1, 900 - 16, 0.01);
  double top = axis_top(svg);
  EXPECT_NEAR(d.y1, 282 - 7.0 / top * 220, 0.02);
  EXPECT_LT(d.y1, d.y0);  // it goes up

  auto band = elements(svg, "path", "projection-band");
  ASSERT_EQ(band.size(), 1u);
  EXPECT_EQ(number(band[0], "data-from"), 4.5);
  EXPECT_EQ(number(band[0], "data-low"), 6.0);
  EXPECT_EQ(number(band[0], "data-high"), 9.0);
  EXPECT_EQ(band[0].at("fill-opacity"), "0.15");
  double bx0 = 0, by0 = 0, bx1 = 0, by_high = 0, bx2 = 0, by_low = 0;
  ASSERT_EQ(std::sscanf(band[0].at("d").c_str(), "M%lf,%lf L%lf,%lf L%lf,%lf Z", &bx0, &by0, &bx1,
                        &by_high, &bx2, &by_low),
            6)
      << band[0].at("d");
  EXPECT_NEAR(bx0, d.x0, 0.01);
  EXPECT_NEAR(by0, d.y0, 0.01);
  EXPECT_NEAR(by_high, 282 - 9.0 / top * 220, 0.02);
  EXPECT_NEAR(by_low, 282 - 6.0 / top * 220, 0.02);
  EXPECT_LT(by_high, d.y1);  // the expected end lies inside the band
  EXPECT_GT(by_low, d.y1);
  // The points make room for it: the last one is left of where the projection ends.
  EXPECT_LT(number(points[2], "cx"), 0.85 * 900);

  EXPECT_NE(svg.find("<title>to finish 2 items\nfrom: $4.5\nexpected: $7</title>"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find("<title>to finish 2 items\nlow: $6\nhigh: $9</title>"), std::string::npos);
  EXPECT_NE(svg.find(">projected</text>"), std::string::npos);  // the legend
  EXPECT_NE(svg.find(">finish</text>"), std::string::npos);     // under the axis
}

TEST(SvgChartTest, SeveralCapLinesCarryTheirValues) {
  LineChart line = three_points();
  line.references = {
      {5.0, "run budget", "budget", {{"cap", "run"}, {"spent", "4.5"}}, "spent: $4.5000"},
      {8.0, "day cap", "budget", {{"cap", "day"}}, ""},
      {12.0, "week <cap>", "budget", {{"cap", "week"}}, ""},
  };
  std::string svg = line_chart(line);
  auto caps = elements(svg, "g", "reference");
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[0].at("data-cap"), "run");
  EXPECT_EQ(number(caps[0], "data-budget"), 5.0);
  EXPECT_EQ(number(caps[0], "data-spent"), 4.5);
  EXPECT_EQ(caps[1].at("data-cap"), "day");
  EXPECT_EQ(number(caps[1], "data-budget"), 8.0);
  EXPECT_EQ(caps[2].at("data-cap"), "week");
  EXPECT_EQ(number(caps[2], "data-budget"), 12.0);
  EXPECT_NE(svg.find("<title>run budget: $5\nspent: $4.5000</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>day cap: $8</title>"), std::string::npos);
  EXPECT_NE(svg.find("week &lt;cap&gt; $12.00"), std::string::npos);
  EXPECT_EQ(svg.find("<cap>"), std::string::npos);
  // Each at its height, the dearest highest, in a colour of its own.
  std::vector<double> ys;
  std::set<std::string> colors;
  for (const auto& l : elements(svg, "line")) {
    if (!l.count("stroke-dasharray") || !l.count("x2") || number(l, "x2") < 800) continue;
    ys.push_back(number(l, "y1"));
    colors.insert(l.at("stroke"));
  }
  ASSERT_EQ(ys.size(), 3u);
  EXPECT_GT(ys[0], ys[1]);
  EXPECT_GT(ys[1], ys[2]);
  EXPECT_EQ(colors.size(), 3u);
  // The axis reaches the highest cap, which stays inside the plot.
  EXPECT_GE(axis_top(svg), 12.0 - 0.05);
  EXPECT_GE(ys[2], 62.0);
  EXPECT_NE(svg.find(">run budget</text>"), std::string::npos);  // the legend
}

TEST(SvgChartTest, AxisCoversTheBandAndTheCaps) {
  // Without either, the points decide the axis.
  EXPECT_NEAR(axis_top(line_chart(three_points())), 5.0, 0.01);
  // The band's high end above every cap.
  LineChart line = three_points();
  line.projection = LineProjection{11.0, 8.0, 23.0, "projected", "finish", "", {}};
  line.references = {{6.0, "run budget", "budget", {{"cap", "run"}}, ""}};
  std::string svg = line_chart(line);
  double top = axis_top(svg);
  EXPECT_GE(top, 23.0 - 0.05);
  auto band = elements(svg, "path", "projection-band");
  ASSERT_EQ(band.size(), 1u);
  double y_high = 0;
  ASSERT_EQ(std::sscanf(band[0].at("d").c_str(), "M%*f,%*f L%*f,%lf", &y_high), 1);
  EXPECT_GE(y_high, 62.0);
  // A cap above the band.
  line.references = {{40.0, "run budget", "budget", {{"cap", "run"}}, ""}};
  EXPECT_GE(axis_top(line_chart(line)), 40.0 - 0.05);
}

TEST(SvgChartTest, NoProjectionDrawsNothingDashed) {
  std::string svg = line_chart(three_points());
  EXPECT_TRUE(elements(svg, "path", "projection-line").empty());
  EXPECT_TRUE(elements(svg, "path", "projection-band").empty());
  EXPECT_TRUE(elements(svg, "g", "projection").empty());
  EXPECT_TRUE(elements(svg, "g", "reference").empty());
  EXPECT_EQ(svg.find("stroke-dasharray"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("<path"), std::string::npos);
  EXPECT_EQ(elements(svg, "circle", "point").size(), 3u);
}

TEST(SvgChartTest, NonFiniteProjectionIsDrawnAsZero) {
  LineChart line = three_points();
  line.projection = LineProjection{NAN, -INFINITY, INFINITY, "p", "finish", "", {}};
  line.references = {{NAN, "cap", "budget", {}, ""}};
  std::string svg = line_chart(line);
  expect_no_nan(svg);
  auto band = elements(svg, "path", "projection-band");
  ASSERT_EQ(band.size(), 1u);
  EXPECT_EQ(band[0].at("data-high"), "0");
}

}  // namespace
}  // namespace ralph::report
