#include "report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "report/markup.hpp"

namespace ralph::report {

namespace {

constexpr double kWidth = 900;
constexpr double kTop = 62;  // below the title and the legend
constexpr double kRight = 16;
constexpr double kColumnLeft = 72;  // room for the y tick labels
constexpr double kPlotHeight = 220;
constexpr double kColumnBottom = 48;  // x labels and the x title
constexpr double kLabelSpacing = 44;  // the least distance between two x labels
constexpr double kMaxBarWidth = 48;
constexpr double kRowLabelWidth = 190;
constexpr double kRowRight = 96;  // room for each row's total
constexpr double kRowHeight = 24;
constexpr double kRowBottom = 44;
constexpr double kProjectionShare = 0.2;  // of a line chart's plot, right of the points
constexpr const char* kLineColor = "#4e79a7";
constexpr const char* kReferenceColors[] = {"#e15759", "#b07aa1", "#9c755f", "#edc948"};

double finite_or_zero(double value) {
  return std::isfinite(value) ? value : 0;
}

// Decimals that tell apart values `step` apart.
int decimals_for(double step) {
  if (!(step > 0) || step >= 1) return 0;
  return std::min(12, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
}

std::string trim_zeros(std::string text) {
  if (text.find('.') == std::string::npos) return text;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

std::string data_attributes(const DataAttributes& data) {
  std::string out;
  for (const auto& [name, value] : data) {
    out += fmt::format(" data-{}=\"{}\"", name, escape_html(value));
  }
  return out;
}

std::string svg_open(const std::string& id, const std::string& title, double height) {
  return fmt::format(
      "<svg id=\"{}\" class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"{}\">\n<title>{}</title>\n"
      "<text class=\"chart-title\" x=\"8\" y=\"22\">{}</text>\n",
      escape_html(id), coordinate(kWidth), coordinate(height), escape_html(title),
      escape_html(title), escape_html(title));
}

// Coloured squares (or lines) with their names, in a row under the title.
struct LegendEntry {
  std::string label;
  std::string color;
  bool line = false;
  bool dashed = false;
};

std::string legend(const std::vector<LegendEntry>& entries) {
  std::string out = "<g class=\"legend\">";
  double x = 8;
  for (const auto& entry : entries) {
    if (entry.line) {
      out += fmt::format(
          "<line x1=\"{}\" y1=\"44\" x2=\"{}\" y2=\"44\" stroke=\"{}\" stroke-width=\"2\"{}/>",
          coordinate(x), coordinate(x + 14), escape_html(entry.color),
          entry.dashed ? " stroke-dasharray=\"5 3\"" : "");
    } else {
      out += fmt::format("<rect x=\"{}\" y=\"39\" width=\"10\" height=\"10\" fill=\"{}\"/>",
                         coordinate(x + 2), escape_html(entry.color));
    }
    out += fmt::format("<text x=\"{}\" y=\"48\">{}</text>", coordinate(x + 18),
                       escape_html(entry.label));
    x += 18 + 7.0 * static_cast<double>(entry.label.size()) + 16;
  }
  return out + "</g>\n";
}

std::vector<LegendEntry> series_legend(const std::vector<Series>& series) {
  std::vector<LegendEntry> entries;
  for (const auto& s : series) entries.push_back({s.label, s.color});
  return entries;
}

// A bar's <title>: what it is, then each non-zero part and the total, every digit shown.
std::string bar_title(const BarChart& chart, const Bar& bar) {
  std::string text = bar.tooltip;
  double total = 0;
  int parts = 0;
  for (size_t s = 0; s < chart.series.size() && s < bar.values.size(); ++s) {
    double v = finite_or_zero(bar.values[s]);
    total += v;
    if (v == 0) continue;
    ++parts;
    text += fmt::format("\n{}: {}", chart.series[s].label, exact_label(v, chart.unit));
  }
  if (parts != 1) text += fmt::format("\ntotal: {}", exact_label(total, chart.unit));
  return "<title>" + escape_html(text) + "</title>";
}

double stack_total(const Bar& bar) {
  double total = 0;
  for (double v : bar.values) total += std::max(0.0, finite_or_zero(v));
  return total;
}

Ticks ticks_for(double max, Unit unit) {
  // Token counts are whole: no axis finer than one token.
  return nice_ticks(unit == Unit::kTokens ? std::max(max, 5.0) : max);
}

// The value axis of columns and lines: grid lines and labels on the left.
std::string y_axis(const Ticks& ticks, Unit unit, double left, double plot_width) {
  std::string out = "<g class=\"axis\">";
  for (double value : ticks.values) {
    double y = kTop + kPlotHeight - value / ticks.top * kPlotHeight;
    out += fmt::format(
        "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        coordinate(left), coordinate(y), coordinate(left + plot_width), coordinate(y),
        coordinate(left - 6), coordinate(y + 4), escape_html(tick_label(value, ticks.step, unit)));
  }
  return out + "</g>\n";
}

// Labels under columns, every `stride`-th one so none overlap, and the axis title.
template <class Item>
std::string x_labels(const std::vector<Item>& items, double left, double slot,
                     const std::string& title) {
  int stride = label_stride(static_cast<int>(items.size()), slot * items.size(), kLabelSpacing);
  std::string out = "<g class=\"axis x-labels\">";
  double baseline = kTop + kPlotHeight;
  out += fmt::format("<line class=\"baseline\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                     coordinate(left), coordinate(baseline), coordinate(left + slot * items.size()),
                     coordinate(baseline));
  for (size_t i = 0; i < items.size(); ++i) {
    if ((i + 1) % stride != 0) continue;
    out += fmt::format("<text class=\"x-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       coordinate(left + (i + 0.5) * slot), coordinate(baseline + 16),
                       escape_html(shorten(items[i].label, 8)));
  }
  out += fmt::format(
      "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
      coordinate(left + slot * items.size() / 2), coordinate(baseline + 38), escape_html(title));
  return out + "</g>\n";
}

const char* reference_color(size_t index) {
  return kReferenceColors[index % std::size(kReferenceColors)];
}

// A horizontal dashed line across the plot at its value, labelled at its right end.
template <class YOf>
std::string reference_line(const ReferenceLine& reference, const char* color, Unit unit,
                           const YOf& y_of, double plot_width) {
  double value = finite_or_zero(reference.value);
  double y = y_of(value);
  std::string tooltip = reference.label + ": " + exact_label(value, unit);
  if (!reference.tooltip.empty()) tooltip += "\n" + reference.tooltip;
  return fmt::format(
      "<g class=\"reference\" data-{}=\"{}\"{}><title>{}</title>"
      "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\" "
      "stroke-dasharray=\"6 4\"/>"
      "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></g>\n",
      reference.attribute.empty() ? "value" : reference.attribute, exact_number(value),
      data_attributes(reference.data), escape_html(tooltip), coordinate(kColumnLeft), coordinate(y),
      coordinate(kColumnLeft + plot_width), coordinate(y), color,
      coordinate(kColumnLeft + plot_width - 4), coordinate(y - 6),
      escape_html(reference.label + " " + tick_label(value, value / 100, unit)));
}

}  // namespace

std::string tick_label(double value, double step, Unit unit) {
  value = finite_or_zero(value);
  if (unit == Unit::kDollars) {
    return fmt::format("${:.{}f}", value, std::max(2, decimals_for(step)));
  }
  double magnitude = std::abs(value);
  if (magnitude >= 1e6) {
    return trim_zeros(fmt::format("{:.{}f}", value / 1e6, decimals_for(step / 1e6))) + "M";
  }
  if (magnitude >= 1e3) {
    return trim_zeros(fmt::format("{:.{}f}", value / 1e3, decimals_for(step / 1e3))) + "k";
  }
  return trim_zeros(fmt::format("{:.{}f}", value, decimals_for(step)));
}

std::string exact_label(double value, Unit unit) {
  if (unit == Unit::kDollars) return "$" + exact_number(value);
  return grouped_integer(std::llround(std::clamp(finite_or_zero(value), -9e18, 9e18))) + " tokens";
}

Ticks nice_ticks(double max) {
  if (!std::isfinite(max) || !(max > 1e-9)) max = 1;
  max = std::min(max, 1e300);
  double raw = max / 5;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double normal = raw / magnitude;
  double factor = normal <= 1 ? 1 : normal <= 2 ? 2 : normal <= 5 ? 5 : 10;
  Ticks ticks;
  ticks.step = factor * magnitude;
  int count = static_cast<int>(std::ceil(max / ticks.step - 1e-9));
  count = std::clamp(count, 1, 10);
  ticks.top = ticks.step * count;
  for (int i = 0; i <= count; ++i) ticks.values.push_back(ticks.step * i);
  return ticks;
}

int label_stride(int count, double width, double min_spacing) {
  if (count <= 0 || !(width > 0)) return 1;
  double slot = width / count;
  for (int magnitude = 1; magnitude < 1'000'000'000; magnitude *= 10) {
    for (int factor : {1, 2, 5}) {
      int stride = factor * magnitude;
      if (slot * stride >= min_spacing || stride >= count) return stride;
    }
  }
  return count;
}

std::string column_chart(const BarChart& chart) {
  double height = kTop + kPlotHeight + kColumnBottom;
  double plot_width = kWidth - kColumnLeft - kRight;
  size_t n = std::max<size_t>(1, chart.bars.size());
  double slot = plot_width / static_cast<double>(n);
  // Thin bars touch; wide ones keep a gap, and a few bars do not fill the whole plot.
  double bar_width = std::min(slot >= 4 ? slot * 0.8 : slot, kMaxBarWidth);
  double max = 0;
  for (const auto& bar : chart.bars) max = std::max(max, stack_total(bar));
  Ticks ticks = ticks_for(max, chart.unit);

  std::string out = svg_open(chart.id, chart.title, height);
  out += legend(series_legend(chart.series));
  out += y_axis(ticks, chart.unit, kColumnLeft, plot_width);
  out += "<g class=\"bars\">\n";
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& bar = chart.bars[i];
    std::string data = data_attributes(bar.data);
    double x = kColumnLeft + static_cast<double>(i) * slot;
    out += fmt::format("<g class=\"bar\"{}>{}", data, bar_title(chart, bar));
    // The whole column answers the pointer, however thin its segments.
    out += fmt::format(
        "<rect class=\"hit\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"transparent\"/>",
        coordinate(x), coordinate(kTop), coordinate(slot), coordinate(kPlotHeight));
    double y = kTop + kPlotHeight;
    for (size_t s = 0; s < chart.series.size() && s < bar.values.size(); ++s) {
      double value = finite_or_zero(bar.values[s]);
      if (value == 0) continue;
      double h = std::max(0.0, value) / ticks.top * kPlotHeight;
      y -= h;
      out += fmt::format(
          "<rect class=\"seg\"{} data-kind=\"{}\" data-{}=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" "
          "height=\"{}\" fill=\"{}\"/>",
          data, escape_html(chart.series[s].key), chart.value_attribute, exact_number(value),
          coordinate(x + (slot - bar_width) / 2), coordinate(y), coordinate(bar_width),
          coordinate(h), escape_html(chart.series[s].color));
    }
    out += "</g>\n";
  }
  out += "</g>\n";
  out += x_labels(chart.bars, kColumnLeft, slot, chart.x_title);
  return out + "</svg>\n";
}

std::string row_chart(const BarChart& chart) {
  double plot_width = kWidth - kRowLabelWidth - kRowRight;
  double left = kRowLabelWidth;
  double plot_height = kRowHeight * static_cast<double>(std::max<size_t>(1, chart.bars.size()));
  double height = kTop + plot_height + kRowBottom;
  double max = 0;
  for (const auto& bar : chart.bars) max = std::max(max, stack_total(bar));
  Ticks ticks = ticks_for(max, chart.unit);

  std::string out = svg_open(chart.id, chart.title, height);
  out += legend(series_legend(chart.series));
  out += "<g class=\"axis\">";
  for (double value : ticks.values) {
    double x = left + value / ticks.top * plot_width;
    out += fmt::format(
        "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
        coordinate(x), coordinate(kTop), coordinate(x), coordinate(kTop + plot_height),
        coordinate(x), coordinate(kTop + plot_height + 16),
        escape_html(tick_label(value, ticks.step, chart.unit)));
  }
  out +=
      fmt::format("<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                  coordinate(left + plot_width / 2), coordinate(kTop + plot_height + 36),
                  escape_html(chart.x_title));
  out += "</g>\n<g class=\"bars\">\n";
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& bar = chart.bars[i];
    std::string data = data_attributes(bar.data);
    double y = kTop + static_cast<double>(i) * kRowHeight;
    out += fmt::format("<g class=\"bar\"{}>{}", data, bar_title(chart, bar));
    out += fmt::format(
        "<rect class=\"hit\" x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"transparent\"/>",
        coordinate(y), coordinate(kWidth), coordinate(kRowHeight));
    out +=
        fmt::format("<text class=\"row-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                    coordinate(left - 8), coordinate(y + 16), escape_html(shorten(bar.label, 26)));
    double x = left;
    double total = 0;
    for (size_t s = 0; s < chart.series.size() && s < bar.values.size(); ++s) {
      double value = finite_or_zero(bar.values[s]);
      total += value;
      if (value == 0) continue;
      double w = std::max(0.0, value) / ticks.top * plot_width;
      out += fmt::format(
          "<rect class=\"seg\"{} data-kind=\"{}\" data-{}=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" "
          "height=\"{}\" fill=\"{}\"/>",
          data, escape_html(chart.series[s].key), chart.value_attribute, exact_number(value),
          coordinate(x), coordinate(y + 4), coordinate(w), coordinate(kRowHeight - 8),
          escape_html(chart.series[s].color));
      x += w;
    }
    std::string total_text = chart.unit == Unit::kDollars
                                 ? dollars(total)
                                 : tokens_text(std::llround(std::clamp(total, -9e18, 9e18)));
    out += fmt::format("<text class=\"row-total\" x=\"{}\" y=\"{}\">{}</text></g>\n",
                       coordinate(x + 6), coordinate(y + 16), escape_html(total_text));
  }
  return out + "</g>\n</svg>\n";
}

std::string line_chart(const LineChart& chart) {
  double height = kTop + kPlotHeight + kColumnBottom;
  double plot_width = kWidth - kColumnLeft - kRight;
  const std::optional<LineProjection>& projection = chart.projection;
  // The points keep to the left; the projection gets the rest of the plot.
  double points_width = projection ? plot_width * (1 - kProjectionShare) : plot_width;
  size_t n = std::max<size_t>(1, chart.points.size());
  double slot = points_width / static_cast<double>(n);
  double last = chart.points.empty() ? 0 : finite_or_zero(chart.points.back().value);
  double low = 0;
  double high = 0;
  double expected = 0;
  if (projection) {
    expected = finite_or_zero(projection->expected);
    low = std::min(finite_or_zero(projection->low), finite_or_zero(projection->high));
    high = std::max(finite_or_zero(projection->low), finite_or_zero(projection->high));
  }
  double max = std::max({0.0, expected, high});
  for (const auto& reference : chart.references) {
    max = std::max(max, finite_or_zero(reference.value));
  }
  for (const auto& point : chart.points) max = std::max(max, finite_or_zero(point.value));
  Ticks ticks = ticks_for(max, chart.unit);
  auto y_of = [&](double value) {
    return kTop + kPlotHeight - std::max(0.0, finite_or_zero(value)) / ticks.top * kPlotHeight;
  };
  auto x_of = [&](size_t i) { return kColumnLeft + (static_cast<double>(i) + 0.5) * slot; };

  std::string out = svg_open(chart.id, chart.title, height);
  std::vector<LegendEntry> entries = {{chart.line_label, kLineColor, true, false}};
  if (projection) entries.push_back({projection->label, kLineColor, true, true});
  for (size_t r = 0; r < chart.references.size(); ++r) {
    entries.push_back({chart.references[r].label, reference_color(r), true, true});
  }
  out += legend(entries);
  out += y_axis(ticks, chart.unit, kColumnLeft, plot_width);
  for (size_t r = 0; r < chart.references.size(); ++r) {
    out += reference_line(chart.references[r], reference_color(r), chart.unit, y_of, plot_width);
  }
  // The line starts from nothing spent, at the left edge.
  std::string points = fmt::format("{},{}", coordinate(kColumnLeft), coordinate(y_of(0)));
  for (size_t i = 0; i < chart.points.size(); ++i) {
    points += fmt::format(" {},{}", coordinate(x_of(i)), coordinate(y_of(chart.points[i].value)));
  }
  if (projection) {
    double x0 = chart.points.empty() ? kColumnLeft : x_of(chart.points.size() - 1);
    double x1 = kColumnLeft + plot_width;
    std::string head = projection->tooltip.empty() ? "" : projection->tooltip + "\n";
    out += fmt::format("<g class=\"projection\"{}>\n", data_attributes(projection->data));
    out += fmt::format(
        "<path class=\"projection-band\" data-from=\"{}\" data-low=\"{}\" data-high=\"{}\" "
        "d=\"M{},{} L{},{} L{},{} Z\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"none\">"
        "<title>{}</title></path>\n",
        exact_number(last), exact_number(low), exact_number(high), coordinate(x0),
        coordinate(y_of(last)), coordinate(x1), coordinate(y_of(high)), coordinate(x1),
        coordinate(y_of(low)), kLineColor,
        escape_html(head + "low: " + exact_label(low, chart.unit) +
                    "\nhigh: " + exact_label(high, chart.unit)));
    out += fmt::format(
        "<path class=\"projection-line\" data-from=\"{}\" data-expected=\"{}\" "
        "d=\"M{},{} L{},{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" "
        "stroke-dasharray=\"6 4\"><title>{}</title></path>\n",
        exact_number(last), exact_number(expected), coordinate(x0), coordinate(y_of(last)),
        coordinate(x1), coordinate(y_of(expected)), kLineColor,
        escape_html(head + "from: " + exact_label(last, chart.unit) +
                    "\nexpected: " + exact_label(expected, chart.unit)));
    double baseline = kTop + kPlotHeight;
    out += fmt::format(
        "<line class=\"baseline\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" "
        "stroke-dasharray=\"2 3\"/>"
        "<text class=\"projection-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
        coordinate(kColumnLeft + points_width), coordinate(baseline), coordinate(x1),
        coordinate(baseline), coordinate(x1), coordinate(baseline + 16),
        escape_html(projection->axis_label));
    out += "</g>\n";
  }
  out += fmt::format(
      "<polyline class=\"line\" points=\"{}\" fill=\"none\" stroke=\"{}\" "
      "stroke-width=\"2\"/>\n<g class=\"points\">\n",
      points, kLineColor);
  double radius = chart.points.size() > 60 ? 1.5 : 3.5;
  for (size_t i = 0; i < chart.points.size(); ++i) {
    const Point& point = chart.points[i];
    out += fmt::format(
        "<circle class=\"point\"{} data-{}=\"{}\" cx=\"{}\" cy=\"{}\" r=\"{}\" "
        "fill=\"{}\"><title>{}</title></circle>\n",
        data_attributes(point.data), chart.value_attribute, exact_number(point.value),
        coordinate(x_of(i)), coordinate(y_of(point.value)), coordinate(radius), kLineColor,
        escape_html(point.tooltip + "\n" + chart.line_label + ": " +
                    exact_label(point.value, chart.unit)));
  }
  out += "</g>\n";
  out += x_labels(chart.points, kColumnLeft, slot, chart.x_title);
  return out + "</svg>\n";
}

}  // namespace ralph::report
