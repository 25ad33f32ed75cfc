// Reports over the cost log: grouping, projection, time selection, the table and CSV.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "report/aggregate.hpp"
#include "report/cost_table.hpp"
#include "report/projection.hpp"
#include "report/selection.hpp"
#include "util/clock.hpp"

namespace ralph {
namespace {

using meter::IterationRecord;
using report::GroupBy;

IterationRecord record(const std::string& run, int iteration, const std::string& item, double cost,
                       std::vector<std::string> completed = {}) {
  IterationRecord r;
  r.run_id = run;
  r.iteration = iteration;
  r.started_at = fmt::format("2026-11-2{}T10:00:00.000Z", iteration % 2 ? 3 : 4);
  r.item_id = item;
  r.model = "claude-sonnet-5-5";
  r.usage = {100L * iteration, 10, 1000, 9000};
  r.cost_usd = cost;
  r.duration_ms = 1000;
  r.outcome = "success";
  r.items_completed = std::move(completed);
  r.peak_context_tokens = 5000L + iteration;
  return r;
}

TEST(AggregateTest, GroupsByItemAndDayAddUpToTheTotals) {
  std::vector<IterationRecord> records = {record("r", 1, "US-1", 0.25),
                                          record("r", 2, "US-1", 0.5, {"US-1"}),
                                          record("r", 3, "US-2", 0.125, {"US-2"})};
  for (GroupBy by : {GroupBy::kItem, GroupBy::kDay}) {
    report::Aggregator aggregator(by);
    for (const auto& r : records) aggregator.add(r);
    double cost = 0;
    meter::Usage usage;
    for (const auto& g : aggregator.groups()) {
      cost += g.cost_usd;
      usage += g.usage;
    }
    EXPECT_DOUBLE_EQ(cost, 0.875);
    EXPECT_EQ(usage, aggregator.totals().usage);
    EXPECT_EQ(aggregator.totals().iterations, 3);
  }
  report::Aggregator by_iteration(GroupBy::kIteration);  // the records are the rows
  for (const auto& r : records) by_iteration.add(r);
  EXPECT_TRUE(by_iteration.groups().empty());
  EXPECT_DOUBLE_EQ(by_iteration.totals().cost_usd, 0.875);
  report::Aggregator by_item(GroupBy::kItem);
  for (const auto& r : records) by_item.add(r);
  auto groups = by_item.groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].key, "US-1");
  EXPECT_EQ(groups[0].iterations, 2);
  EXPECT_DOUBLE_EQ(groups[0].cost_usd, 0.75);
  EXPECT_EQ(groups[0].items_completed, 1);
  EXPECT_EQ(groups[0].peak_context_tokens, 5002);
  report::Aggregator by_day(GroupBy::kDay);
  for (const auto& r : records) by_day.add(r);
  ASSERT_EQ(by_day.groups().size(), 2u);
  EXPECT_EQ(by_day.groups()[0].key, "2026-11-23");
  EXPECT_EQ(by_day.groups()[0].iterations, 2);
}

TEST(AggregateTest, ByModelSplitsAnIterationByItsBreakdownAndKeepsTheRest) {
  IterationRecord r = record("r", 1, "US-1", 1.0);
  r.usage = {10, 20, 30, 40};
  r.models["claude-haiku-4-5"] = {{1, 2, 3, 4}, 0.125};
  r.models["claude-sonnet-5-5"] = {{9, 18, 27, 36}, 0.75};
  IterationRecord plain = record("r", 2, "US-1", 0.5);  // no breakdown: all to its model
  report::Aggregator aggregator(GroupBy::kModel);
  aggregator.add(r);
  aggregator.add(plain);
  auto groups = aggregator.groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].key, "claude-sonnet-5-5");  // the dearest first
  // 0.75 from the breakdown, 0.125 the breakdown did not cover, 0.5 from the plain record.
  EXPECT_DOUBLE_EQ(groups[0].cost_usd, 1.375);
  EXPECT_EQ(groups[0].iterations, 2);
  EXPECT_EQ(groups[1].key, "claude-haiku-4-5");
  EXPECT_EQ(groups[1].usage, (meter::Usage{1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(groups[0].cost_usd + groups[1].cost_usd, aggregator.totals().cost_usd);
  meter::Usage sum = groups[0].usage;
  sum += groups[1].usage;
  EXPECT_EQ(sum, aggregator.totals().usage);
}

TEST(AggregateTest, ParsesGroupNames) {
  EXPECT_EQ(report::parse_group_by("day"), GroupBy::kDay);
  EXPECT_EQ(report::parse_group_by("days"), std::nullopt);
  EXPECT_EQ(report::group_by_name(GroupBy::kModel), "model");
}

TEST(ProjectionTest, FromTheCostPerCompletedItemWithARange) {
  report::ProjectionBuilder builder;
  builder.add(record("r", 1, "US-1", 1.0));  // a failed attempt counts toward US-1
  builder.add(record("r", 2, "US-1", 1.0, {"US-1"}));
  builder.add(record("r", 3, "US-2", 0.5, {"US-2"}));
  builder.add(record("r", 4, "US-3", 0.25));             // in progress: spent, not completed
  builder.add(record("old", 1, "GONE", 9.0, {"GONE"}));  // not in the plan any more
  auto p = builder.projection({"US-1", "US-2", "US-3", "US-4"}, 2);
  EXPECT_EQ(p.completed_items, 2);
  EXPECT_EQ(p.remaining_items, 2);
  EXPECT_DOUBLE_EQ(p.basis_cost_usd, 2.75);
  ASSERT_TRUE(p.expected_usd);
  EXPECT_DOUBLE_EQ(*p.expected_usd, 2.75);  // 1.375 per completed item
  EXPECT_DOUBLE_EQ(*p.low_usd, 1.0);        // the cheapest item, 0.5 each
  EXPECT_DOUBLE_EQ(*p.high_usd, 4.0);       // the dearest, 2.0 each
  EXPECT_NE(report::projection_text(p).find("$2.75 to finish the 2 items left ($1.00-$4.00)"),
            std::string::npos)
      << report::projection_text(p);
}

TEST(ProjectionTest, NoneBeforeTheFirstCompletionAndZeroWhenDone) {
  report::ProjectionBuilder builder;
  builder.add(record("r", 1, "US-1", 1.0));
  auto rejected = record("r", 2, "US-1", 1.0, {"US-1"});
  rejected.outcome = "rejected";  // a rejected completion does not count
  builder.add(rejected);
  auto p = builder.projection({"US-1"}, 1);
  EXPECT_FALSE(p.expected_usd);
  EXPECT_EQ(report::projection_text(p), "no projection for the 1 item left: no item completed yet");
  auto done = builder.projection({"US-1"}, 0);
  EXPECT_EQ(done.expected_usd, 0.0);
  EXPECT_EQ(to_json(p)["expected_usd"], nullptr);
}

TEST(SelectionTest, ParsesDatesTimesAndAges) {
  auto now = std::chrono::system_clock::from_time_t(1'795'000'000);  // 2026-11-18T...
  auto text = [&](std::string_view input, bool until) {
    auto t = report::parse_time_bound(input, now, until);
    return t ? format_rfc3339(*t) : "error: " + t.message();
  };
  EXPECT_EQ(text("2026-11-23", false), "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(text("2026-11-23", true), "2026-11-24T00:00:00.000Z");
  EXPECT_EQ(text("2026-11-23T10:15:30Z", false), "2026-11-23T10:15:30.000Z");
  EXPECT_EQ(text("2026-11-23T10:15:30.25+02:00", false), "2026-11-23T08:15:30.250Z");
  EXPECT_EQ(text("90m", false), format_rfc3339(now - std::chrono::minutes(90)));
  EXPECT_EQ(text("2d", false), format_rfc3339(now - std::chrono::hours(48)));
  for (auto bad : {"yesterday", "2026-13-01", "2026-11-23T25:00:00Z", "12x", "", "5"}) {
    EXPECT_EQ(text(bad, false).rfind("error: ", 0), 0u) << bad;
  }
  EXPECT_NE(text("soon", false).find("expected a date (2026-11-23)"), std::string::npos);
}

TEST(SelectionTest, MatchesRunAndHalfOpenTimeRange) {
  report::Selection selection;
  selection.since = "2026-11-23T00:00:00.000Z";
  selection.until = "2026-11-24T00:00:00.000Z";
  EXPECT_TRUE(selection.matches(record("a", 1, "x", 0)));   // the 23rd
  EXPECT_FALSE(selection.matches(record("a", 2, "x", 0)));  // the 24th
  selection.run_id = "b";
  EXPECT_FALSE(selection.matches(record("a", 1, "x", 0)));
}

TEST(CostTableTest, AlignsColumnsAndAddsATotalsRow) {
  std::vector<IterationRecord> records = {record("r", 1, "US-1", 0.25),
                                          record("r", 12, "US-10", 1.5)};
  records[1].commit = "0123456789abcdef";
  meter::Totals totals;
  for (const auto& r : records) {
    totals.usage += r.usage;
    totals.cost_usd += r.cost_usd;
    ++totals.iterations;
  }
  std::string table = report::iteration_table(records, totals);
  EXPECT_EQ(table.find(" run "), std::string::npos);  // one run: no run column
  EXPECT_NE(table.find("0123456789\n"), std::string::npos);
  EXPECT_NE(table.find("1.7500"), std::string::npos);
  EXPECT_NE(table.find("1,300"), std::string::npos);  // input tokens 100 + 1,200
  EXPECT_NE(table.find("84.5%"), std::string::npos);  // 18,000 of 21,300 from the cache
  // Numbers align right: the costs end in the same column.
  auto column_after = [&table](const std::string& text) {
    size_t at = table.find(text);
    return at == std::string::npos ? at : at + text.size() - (table.rfind('\n', at) + 1);
  };
  EXPECT_EQ(column_after("0.2500"), column_after("1.5000"));
  EXPECT_EQ(column_after("1.5000"), column_after("1.7500"));
  EXPECT_EQ(column_after("cost_usd"), column_after("1.7500"));
  // The meter's figure beside it; "!" where it is more than 5% and $0.01 off.
  records[0].cost_source = "agent";
  records[0].metered_cost_usd = 0.25;
  records[1].cost_source = "agent";
  records[1].metered_cost_usd = 1.2;
  table = report::iteration_table(records, totals);
  EXPECT_NE(table.find(" 0.2500 "), std::string::npos) << table;
  EXPECT_NE(table.find(" 1.2000!"), std::string::npos) << table;
  EXPECT_EQ(column_after("metered"), column_after("1.2000"));
  records[1].run_id = "other";
  EXPECT_EQ(report::iteration_table(records, totals).rfind("run", 0), 0u);
}

TEST(CostTableTest, CsvQuotesFieldsAndKeepsFullPrecision) {
  IterationRecord r = record("r", 1, "US,\"1\"", 0.1 + 0.2);
  r.items_completed = {"A", "B"};
  std::string out;
  report::append_csv_iteration(out, r);
  SCOPED_TRACE(out);
  EXPECT_NE(out.find(",\"US,\"\"1\"\"\","), std::string::npos) << out;
  EXPECT_NE(out.find(",0.30000000000000004,"), std::string::npos) << out;
  EXPECT_NE(out.find(",A B,"), std::string::npos);
  std::string header = report::csv_iteration_header();
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), 22);
  EXPECT_EQ(std::count(out.begin(), out.end(), ','), 22 + 1);  // and the one quoted
  EXPECT_EQ(out.back(), '\n');
  // No metered_cost_usd and no peak_context_fraction in this record; no compaction.
  EXPECT_EQ(out.substr(out.size() - 5), ",,,0\n");
  r.peak_context_fraction = 0.5;
  r.compactions = 2;
  out.clear();
  report::append_csv_iteration(out, r);
  EXPECT_EQ(out.substr(out.size() - 7), ",0.5,2\n");
  EXPECT_EQ(report::grouped(1234567), "1,234,567");
  EXPECT_EQ(report::grouped(999), "999");
  EXPECT_EQ(report::percent(0, false), "-");
}

}  // namespace
}  // namespace ralph
