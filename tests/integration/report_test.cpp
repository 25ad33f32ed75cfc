// `ralph report --html` end to end: a real loop (the built ralph, the real Claude Code CLI, the
// scripted Messages API), then the page: its chart data checked against the cost log, and the
// page rendered in headless Chromium.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "agent/process.hpp"
#include "harness.hpp"
#include "html_elements.hpp"
#include "util/clock.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
using testing::elements;
using testing::svg_by_id;

constexpr const char* kCharts[] = {"chart-cost-per-iteration", "chart-cumulative-spend",
                                   "chart-cost-per-item", "chart-tokens-by-model"};

double number(const testing::Attributes& a, const std::string& name) {
  auto it = a.find(name);
  if (it == a.end()) {
    ADD_FAILURE() << "no " << name;
    return NAN;
  }
  return std::stod(it->second);
}

struct Rendered {
  int exit_code = -1;
  std::string dom;  // --dump-dom's output
  std::string log;  // Chromium's stderr
  bool timed_out = false;
};

// Renders `page` in headless Chromium (Debian's `chromium`, or $RALPH_CHROMIUM) with $HOME set
// to `home`, for at most 60 s; the whole process group is stopped after that.
Rendered render_in_chromium(const std::filesystem::path& page, const std::filesystem::path& home) {
  Rendered rendered;
  const char* env = std::getenv("RALPH_CHROMIUM");
  std::string browser = env != nullptr && *env != '\0' ? env : "chromium";
  auto found = agent::find_executable(browser);
  if (!found) {
    ADD_FAILURE() << "Chromium is not installed (\"" << browser
                  << "\" is not on PATH): install Debian's chromium package "
                     "(sudo apt-get install chromium; scripts/test.sh does it) or set "
                     "RALPH_CHROMIUM";
    return rendered;
  }
  std::filesystem::path profile = home / "chromium-profile";
  agent::SpawnSpec spec;
  spec.argv = {"env",
               "HOME=" + home.string(),
               found->string(),
               "--headless",
               "--no-sandbox",
               "--disable-gpu",
               "--disable-background-networking",
               "--no-first-run",
               "--no-default-browser-check",
               "--user-data-dir=" + profile.string(),
               "--enable-logging=stderr",
               "--v=0",
               "--dump-dom",
               "file://" + page.string()};
  auto process = agent::Process::spawn(spec);
  if (!process) {
    ADD_FAILURE() << process.message();
    return rendered;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    auto open = (*process)->read(std::chrono::milliseconds(500), rendered.dom, rendered.log);
    if (!open) {
      ADD_FAILURE() << open.message();
      break;
    }
    if (!*open) break;
    if (std::chrono::steady_clock::now() > deadline) {
      rendered.timed_out = true;
      (*process)->stop(std::chrono::seconds(2));
      break;
    }
  }
  // Its stdout closes when the browser and its helpers have ended; wait() reaps the leader and
  // stops anything left in its process group.
  rendered.exit_code = (*process)->wait();
  return rendered;
}

// Lines of Chromium's log that report a problem with the page: console messages (the page
// has no script, so there should be none), uncaught errors, resources that failed to load.
std::vector<std::string> page_errors(const std::string& log) {
  std::vector<std::string> errors;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos ||
        line.find("Failed to load") != std::string::npos ||
        line.find("net::ERR_") != std::string::npos) {
      errors.push_back(line);
    }
  }
  return errors;
}

// The page holds no reference to anything outside itself.
void expect_self_contained(const std::string& html) {
  for (const char* attribute : {" src=", " href=", " xlink:href=", "url(", "@import", "<link"}) {
    EXPECT_EQ(html.find(attribute), std::string::npos) << attribute;
  }
  for (const char* scheme : {"http://", "https://", "//cdn", "ftp://"}) {
    EXPECT_EQ(html.find(scheme), std::string::npos) << scheme;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(ReportTest, PageOfARealRunMatchesTheLogAndRendersInChromium) {
  Harness h("report_three_iterations");
  h.write_plan(3);
  // The second item runs on another model, so the model chart has two rows.
  std::string plan = h.read("plans/prd.json");
  size_t second = plan.find("\"id\": \"US-002\"");
  ASSERT_NE(second, std::string::npos);
  plan.insert(second, "\"model\": \"claude-opus-5-5\", ");
  h.write("plans/prd.json", plan);
  h.commit_all("Add the plan");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5", "--budget", "5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto records = h.records();
  ASSERT_EQ(records.size(), 3u);
  // Then the plan grows by one item: the page projects what finishing it costs.
  json prd = json::parse(h.read("plans/prd.json"));
  prd["userStories"].push_back({{"id", "US-004"},
                                {"title", "Item 4"},
                                {"description", "Do thing 4."},
                                {"acceptanceCriteria", {"thing 4 works"}},
                                {"priority", 4},
                                {"passes", false}});
  h.write("plans/prd.json", prd.dump(2) + "\n");

  CommandResult report = h.ralph({"report", "--html", "out/report.html"});
  EXPECT_EQ(report.exit_code, 2) << "the folder out/ does not exist yet";
  EXPECT_NE(report.err.find("ralph: error: cannot write out/report.html: the folder out does not "
                            "exist"),
            std::string::npos)
      << report.err;
  std::filesystem::create_directories(h.repo() / "out");
  report = h.ralph({"report", "--html", "out/report.html"});
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  double total = 0;
  for (const auto& r : records) total += r["cost_usd"].get<double>();
  EXPECT_EQ(report.out, fmt::format("wrote out/report.html: 3 iterations, ${:.4f}\n", total));
  std::filesystem::path page = h.repo() / "out/report.html";
  std::string html = h.read("out/report.html");
  expect_self_contained(html);
  EXPECT_EQ(html.find("NaN"), std::string::npos);

  // (1) Cost per iteration: each column's segments add up to its record's cost_usd.
  std::map<int, double> columns;
  std::set<std::string> kinds;
  for (const auto& s : elements(svg_by_id(html, kCharts[0]), "rect", "seg")) {
    EXPECT_EQ(s.at("data-run"), records[0]["run_id"].get<std::string>());
    columns[std::stoi(s.at("data-iteration"))] += number(s, "data-cost");
    kinds.insert(s.at("data-kind"));
    EXPECT_GE(number(s, "data-cost"), 0.0);
  }
  ASSERT_EQ(columns.size(), 3u);
  for (const auto& r : records) {
    EXPECT_NEAR(columns[r["iteration"].get<int>()], r["cost_usd"].get<double>(), 1e-9) << r.dump();
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"input", "output", "cache_write", "cache_read"}));

  // (2) Cumulative spend: the running sum, and the budget of the run as a line.
  auto points = elements(svg_by_id(html, kCharts[1]), "circle", "point");
  ASSERT_EQ(points.size(), 3u);
  double running = 0;
  for (size_t i = 0; i < 3; ++i) {
    running += records[i]["cost_usd"].get<double>();
    EXPECT_NEAR(number(points[i], "data-cumulative"), running, 1e-9);
    EXPECT_EQ(points[i].at("data-iteration"), std::to_string(i + 1));
  }
  auto budget = elements(svg_by_id(html, kCharts[1]), "g", "reference");
  ASSERT_EQ(budget.size(), 1u);
  EXPECT_EQ(number(budget[0], "data-budget"), 5.0);
  EXPECT_EQ(budget[0].at("data-cap"), "run");
  EXPECT_NEAR(number(budget[0], "data-spent"), running, 1e-9);
  EXPECT_EQ(budget[0].at("data-reached"), "false");

  // The projection: each of the three items took one iteration, so the one left is expected
  // to cost their mean, between the cheapest and the dearest.
  double cheapest = records[0]["cost_usd"].get<double>();
  double dearest = cheapest;
  double hours = 0;
  for (const auto& r : records) {
    cheapest = std::min(cheapest, r["cost_usd"].get<double>());
    dearest = std::max(dearest, r["cost_usd"].get<double>());
    hours += r["duration_ms"].get<double>() / 3'600'000.0;
  }
  auto projection = elements(svg_by_id(html, kCharts[1]), "g", "projection");
  ASSERT_EQ(projection.size(), 1u);
  EXPECT_EQ(projection[0].at("data-remaining-items"), "1");
  EXPECT_NEAR(number(projection[0], "data-expected-cost"), running / 3, 1e-9);
  EXPECT_NEAR(number(projection[0], "data-low-cost"), cheapest, 1e-9);
  EXPECT_NEAR(number(projection[0], "data-high-cost"), dearest, 1e-9);
  auto dashed = elements(svg_by_id(html, kCharts[1]), "path", "projection-line");
  ASSERT_EQ(dashed.size(), 1u);
  EXPECT_NEAR(number(dashed[0], "data-from"), running, 1e-9);
  EXPECT_NEAR(number(dashed[0], "data-expected"), running + running / 3, 1e-9);
  EXPECT_EQ(dashed[0].at("stroke-dasharray"), "6 4");
  auto band = elements(svg_by_id(html, kCharts[1]), "path", "projection-band");
  ASSERT_EQ(band.size(), 1u);
  EXPECT_NEAR(number(band[0], "data-low"), running + cheapest, 1e-9);
  EXPECT_NEAR(number(band[0], "data-high"), running + dearest, 1e-9);

  // The forecast: the run's cost over its time (first start to last end: it has halted).
  auto first_start = parse_rfc3339_utc(records.front()["started_at"].get<std::string>());
  auto last_end = parse_rfc3339_utc(records.back()["ended_at"].get<std::string>());
  ASSERT_TRUE(first_start && last_end);
  double run_hours =
      std::chrono::duration<double, std::ratio<3600>>(*last_end - *first_start).count();
  ASSERT_GT(run_hours, 0);
  auto forecast = elements(html, "dl", "forecast");
  ASSERT_EQ(forecast.size(), 1u);
  EXPECT_NEAR(number(forecast[0], "data-burn-usd-per-hour"), running / run_hours,
              1e-6 * running / run_hours);
  EXPECT_NEAR(number(forecast[0], "data-iterations-per-hour"), 3 / run_hours, 1e-6 * 3 / run_hours);
  EXPECT_EQ(forecast[0].at("data-recent-iterations"), "3");
  EXPECT_NEAR(number(forecast[0], "data-finish-hours"), hours / 3, 1e-9);
  EXPECT_NEAR(number(forecast[0], "data-hours-per-completed-item"), hours / 3, 1e-9);
  EXPECT_EQ(forecast[0].at("data-within-budget"), "true");
  auto cap = elements(html, "div", "forecast-cap");
  ASSERT_EQ(cap.size(), 1u);
  EXPECT_EQ(cap[0].at("data-cap"), "run");
  EXPECT_EQ(number(cap[0], "data-budget"), 5.0);
  // Reached, at the current rate, some time after now: the same time on the chart's line.
  ASSERT_TRUE(cap[0].count("data-reached-at"));
  EXPECT_EQ(budget[0].at("data-reached-at"), cap[0].at("data-reached-at"));
  auto reached_at = parse_rfc3339_utc(cap[0].at("data-reached-at"));
  ASSERT_TRUE(reached_at);
  EXPECT_GT(*reached_at, *last_end);
  EXPECT_NE(html.find("<h2>Forecast</h2>"), std::string::npos);
  EXPECT_NE(html.find(" over the run, $"), std::string::npos);
  EXPECT_NE(html.find("<dt>Within budget</dt><dd>yes: the expected $"), std::string::npos);

  // (3) Cost per item.
  std::map<std::string, double> items;
  for (const auto& s : elements(svg_by_id(html, kCharts[2]), "rect", "seg")) {
    items[s.at("data-item")] += number(s, "data-cost");
  }
  std::map<std::string, double> logged_items;
  for (const auto& r : records)
    logged_items[r["item_id"].get<std::string>()] += r["cost_usd"].get<double>();
  ASSERT_EQ(items.size(), logged_items.size());
  for (const auto& [item, cost] : logged_items) EXPECT_NEAR(items[item], cost, 1e-9) << item;

  // (4) Tokens by model, by kind: every token of the log, under the models the records name.
  const std::map<std::string, std::string> fields = {{"input", "input_tokens"},
                                                     {"output", "output_tokens"},
                                                     {"cache_write", "cache_creation_input_tokens"},
                                                     {"cache_read", "cache_read_input_tokens"}};
  std::map<std::string, std::map<std::string, double>> model_tokens;
  std::map<std::string, double> model_costs;
  for (const auto& s : elements(svg_by_id(html, kCharts[3]), "rect", "seg")) {
    model_tokens[s.at("data-model")][s.at("data-kind")] += number(s, "data-tokens");
    model_costs[s.at("data-model")] = number(s, "data-model-cost");
  }
  std::map<std::string, std::map<std::string, double>> logged_tokens;
  std::map<std::string, double> logged_costs;
  for (const auto& r : records) {
    // ralph writes a per-model breakdown from Claude Code's modelUsage.
    ASSERT_TRUE(r.contains("models") && !r["models"].empty()) << r.dump();
    for (const auto& [model, part] : r["models"].items()) {
      for (const auto& [kind, field] : fields) {
        logged_tokens[model][kind] += part[field].get<double>();
      }
      logged_costs[model] += part["cost_usd"].get<double>();
    }
  }
  EXPECT_EQ(model_tokens.size(), 2u);
  EXPECT_EQ(model_tokens, logged_tokens);
  for (const auto& [model, cost] : logged_costs) EXPECT_NEAR(model_costs[model], cost, 1e-9);
  double all_tokens = 0;
  double logged_all = 0;
  for (const auto& [model, by_kind] : model_tokens) {
    for (const auto& [kind, count] : by_kind) all_tokens += count;
  }
  for (const auto& r : records) {
    for (const auto& [kind, field] : fields) logged_all += r[field].get<double>();
  }
  EXPECT_EQ(all_tokens, logged_all);

  // The summary and the table.
  auto summary = elements(html, "dl", "summary");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].at("data-iterations"), "3");
  EXPECT_NEAR(number(summary[0], "data-total-cost"), total, 1e-9);
  EXPECT_NE(html.find("run " + records[0]["run_id"].get<std::string>()), std::string::npos);
  EXPECT_NE(html.find("halted: complete"), std::string::npos);
  EXPECT_NE(html.find("sample: 3 of 4 items pass"), std::string::npos);
  EXPECT_NE(html.find(fmt::format("~${:.4f} to finish the 1 item left", running / 3)),
            std::string::npos);
  size_t rows = 0;
  for (const auto& row : elements(html, "tr")) {
    if (!row.count("data-iteration")) continue;
    const json& r = records[rows++];
    EXPECT_EQ(row.at("data-iteration"), std::to_string(r["iteration"].get<int>()));
  }
  EXPECT_EQ(rows, 3u);
  EXPECT_NE(html.find(records[1]["commit"].get<std::string>().substr(0, 10)), std::string::npos);

  // The page in a real browser: it loads, without a console error or a failed request, and
  // the charts survive parsing with every segment and point.
  Rendered rendered = render_in_chromium(page, h.home());
  ASSERT_FALSE(rendered.timed_out) << rendered.log;
  EXPECT_EQ(rendered.exit_code, 0) << rendered.log;
  EXPECT_EQ(page_errors(rendered.log), std::vector<std::string>{}) << rendered.log;
  for (const char* chart : kCharts) {
    std::string_view in_file = svg_by_id(html, chart);
    std::string_view in_dom = svg_by_id(rendered.dom, chart);
    ASSERT_FALSE(in_dom.empty()) << chart << "\n" << rendered.dom.substr(0, 3000);
    EXPECT_EQ(elements(in_dom, "rect", "seg").size(), elements(in_file, "rect", "seg").size())
        << chart;
    EXPECT_EQ(elements(in_dom, "circle", "point").size(),
              elements(in_file, "circle", "point").size())
        << chart;
    EXPECT_EQ(elements(in_dom, "g", "bar").size(), elements(in_file, "g", "bar").size()) << chart;
  }
  EXPECT_NE(rendered.dom.find("<table class=\"iterations\">"), std::string::npos);
  // The forecast survives too: the dashed projection, its band, the cap line, the summary,
  // each with the values of the file.
  std::string_view spend_in_dom = svg_by_id(rendered.dom, kCharts[1]);
  for (const auto& [tag, css_class] :
       std::vector<std::pair<std::string, std::string>>{{"path", "projection-line"},
                                                        {"path", "projection-band"},
                                                        {"g", "projection"},
                                                        {"g", "reference"}}) {
    auto in_dom = elements(spend_in_dom, tag, css_class);
    ASSERT_EQ(in_dom.size(), 1u) << css_class;
    EXPECT_EQ(in_dom, elements(svg_by_id(html, kCharts[1]), tag, css_class)) << css_class;
  }
  EXPECT_EQ(elements(rendered.dom, "dl", "forecast"), forecast);
  EXPECT_EQ(elements(rendered.dom, "div", "forecast-cap"), cap);
  EXPECT_NE(rendered.dom.find("<section id=\"forecast\">"), std::string::npos);
  EXPECT_NE(rendered.dom.find("<dt>Time to finish</dt><dd>~"), std::string::npos);
  EXPECT_NE(rendered.dom.find("<dt>Run budget</dt>"), std::string::npos);
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(ReportTest, ChromiumCheckCatchesABrokenPage) {
  // The check above can fail: a page with a script error and a missing resource is caught.
  Harness h("untouched");
  h.write("broken.html",
          "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>x</title></head><body>"
          "<svg id=\"s\"><rect class=\"seg\"/></svg><script>no_such_function();</script>"
          "</body></html>\n");
  Rendered rendered = render_in_chromium(h.repo() / "broken.html", h.home());
  ASSERT_FALSE(rendered.timed_out);
  EXPECT_EQ(rendered.exit_code, 0) << rendered.log;
  std::vector<std::string> errors = page_errors(rendered.log);
  ASSERT_FALSE(errors.empty()) << rendered.log;
  EXPECT_NE(errors[0].find("no_such_function"), std::string::npos) << errors[0];
  EXPECT_TRUE(h.leftover_processes().empty());
}

TEST(ReportTest, SelectionErrorsAndAnEmptyLog) {
  Harness h("untouched");
  h.add_plan(2);

  // Nothing recorded yet: still a valid page, which says so.
  CommandResult empty = h.ralph({"report", "--html", "empty.html"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "wrote empty.html: 0 iterations, $0.0000\n");
  std::string html = h.read("empty.html");
  EXPECT_NE(html.find("id=\"nothing-yet\""), std::string::npos);
  EXPECT_NE(html.find("no projection for the 2 items left"), std::string::npos);
  expect_self_contained(html);

  CommandResult unknown = h.ralph({"report", "--html", "x.html", "--run", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "ralph: error: no iterations of run nope in .ralph/iterations.jsonl\n");
  EXPECT_FALSE(std::filesystem::exists(h.repo() / "x.html"));

  CommandResult no_file = h.ralph({"report"});
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_NE(no_file.err.find("--html"), std::string::npos) << no_file.err;

  CommandResult both = h.ralph({"report", "--html", "x.html", "--all", "--run", "a"});
  EXPECT_EQ(both.exit_code, 2);

  CommandResult folder = h.ralph({"report", "--html", "plans"});
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_EQ(folder.err, "ralph: error: cannot write plans: it is a folder\n");

  // Two runs in the log; --all shows both, the default the last, --run the one named.
  auto line = [](const std::string& run, int iteration, double cost) {
    return fmt::format(
        R"({{"run_id":"{}","iteration":{},"started_at":"2026-11-23T10:00:0{}Z","ended_at":"2026-11-23T10:00:09Z","duration_ms":1000,"item_id":"US-001","model":"claude-sonnet-5-5","input_tokens":100,"output_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"cost_usd":{},"cost_source":"agent","num_turns":1,"outcome":"success","items_completed":[],"commit":null,"session_id":null}})",
        run, iteration, iteration, cost);
  };
  h.write(".ralph/iterations.jsonl", line("run-a", 1, 0.25) + "\n" + line("run-a", 2, 0.5) + "\n" +
                                         line("run-b", 1, 0.125) + "\n");
  CommandResult last = h.ralph({"report", "--html", "last.html"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(last.out, "wrote last.html: 1 iteration, $0.1250\n");
  EXPECT_NE(h.read("last.html").find("no .ralph/state.json to read the run&#39;s budget from"),
            std::string::npos);
  CommandResult named = h.ralph({"report", "--html", "a.html", "--run", "run-a"});
  EXPECT_EQ(named.out, "wrote a.html: 2 iterations, $0.7500\n");
  CommandResult all = h.ralph({"report", "--html", "all.html", "--all"});
  EXPECT_EQ(all.out, "wrote all.html: 3 iterations, $0.8750\n");
  std::string all_html = h.read("all.html");
  EXPECT_EQ(elements(svg_by_id(all_html, "chart-cost-per-iteration"), "g", "bar").size(), 3u);
  EXPECT_NE(all_html.find("budgets are per run"), std::string::npos);
}

}  // namespace
}  // namespace ralph::integration
