// Charts as inline SVG text, drawn from plain data: stacked columns (one per iteration),
// stacked rows (one per item or model), and a line with reference lines (spend against its
// caps) and an optional projection (a dashed continuation with its low-high band). Every bar
// segment, point, line and band carries its exact values in data-* attributes, and a <title>
// tooltip with the exact values; text is escaped here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ralph::report {

enum class Unit { kDollars, kTokens };

// A tick label: "$0.25", "$1.50" for dollars; "500", "2.5k", "1.2M" for tokens. `step` (the
// distance between ticks) decides the decimals, so neighbouring labels always differ.
std::string tick_label(double value, double step, Unit unit);
// A value in a tooltip: "$0.012345678" (every digit for dollars), "12,345 tokens".
std::string exact_label(double value, Unit unit);

// Evenly spaced ticks from 0 to at least `max`, 1, 2 or 5 times a power of ten apart; a
// `max` that is zero, negative or not finite gets the axis of 1.
struct Ticks {
  double step = 1;
  double top = 1;  // the last tick: the top of the axis
  std::vector<double> values;
};
Ticks nice_ticks(double max);

// Every how many columns a label fits: 1, 2, 5, 10, 20, 50... so that labels `min_spacing`
// wide never overlap on `width` shared by `count` columns.
int label_stride(int count, double width, double min_spacing);

// One kind of segment in a stack (a colour in the legend).
struct Series {
  std::string key;    // its data-kind
  std::string label;  // in the legend
  std::string color;  // CSS colour
};

using DataAttributes = std::vector<std::pair<std::string, std::string>>;  // name (no "data-")

struct Bar {
  std::string label;           // on the axis (columns: thinned out; rows: shortened)
  std::string tooltip;         // what the bar is, first line of its <title>
  DataAttributes data;         // identifies the bar; repeated on each of its segments
  std::vector<double> values;  // one per series
};

struct BarChart {
  std::string id;       // the svg's id
  std::string title;    // drawn at the top
  std::string x_title;  // what the bars are
  Unit unit = Unit::kDollars;
  std::string value_attribute;  // the data-* name of a segment's value, e.g. "cost"
  std::vector<Series> series;
  std::vector<Bar> bars;
};

// Vertical stacked columns, left to right: many bars (iterations).
std::string column_chart(const BarChart& chart);
// Horizontal stacked rows, top to bottom, each with its label and total: a few named groups.
std::string row_chart(const BarChart& chart);

struct Point {
  std::string label;
  std::string tooltip;
  DataAttributes data;
  double value = 0;
};

// A horizontal line across the plot, e.g. a cap: <g class="reference" data-{attribute}=value
// ...data> with its <title>, the dashed line and its label.
struct ReferenceLine {
  double value = 0;
  std::string label;      // in the legend and on the line, e.g. "run budget"
  std::string attribute;  // the data-* name of its value, e.g. "budget"
  DataAttributes data;    // more of what it is, e.g. {"cap", "run"}
  std::string tooltip;    // more lines for its <title> after "label: value"; may be empty
};

// Where the line is likely to go from its last point: a dashed line to `expected`, in a
// translucent band from `low` to `high` (values on the line's axis, e.g. cumulative dollars),
// drawn in the room kept for it right of the points.
struct LineProjection {
  double expected = 0;
  double low = 0;
  double high = 0;
  std::string label;       // in the legend, e.g. "projected to finish"
  std::string axis_label;  // under the axis where it ends, e.g. "finish"
  std::string tooltip;     // the first line of its <title>s
  DataAttributes data;     // more of what it is, e.g. {"remaining-items", "2"}
};

struct LineChart {
  std::string id;
  std::string title;
  std::string x_title;
  Unit unit = Unit::kDollars;
  std::string value_attribute;  // e.g. "cumulative"
  std::string line_label;       // the legend's name for the line
  std::vector<Point> points;
  std::vector<ReferenceLine> references;  // e.g. the caps
  std::optional<LineProjection> projection;
};

std::string line_chart(const LineChart& chart);

}  // namespace ralph::report
