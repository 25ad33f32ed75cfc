// The loop with its side effects behind fakes: a plan in a temporary folder, a scripted agent,
// fake git, a fake clock, and helpers for stream-json lines. Shared by the runner's tests.
#pragma once

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdio>

#include "fakes.hpp"
#include "loop/runner.hpp"
#include "meter/cost_log.hpp"
#include "temp_dir.hpp"
#include "util/redact.hpp"

namespace ralph::loop {

using testing::AgentScript;

inline std::string init_line() {
  return R"({"type":"system","subtype":"init","model":"claude-sonnet-5-5","session_id":"sess"})";
}
// One API turn of `input` input tokens and `output` output tokens.
inline std::vector<std::string> turn(const std::string& id, int input, int output) {
  return {
      fmt::format(
          R"({{"type":"stream_event","parent_tool_use_id":null,"event":{{"type":"message_start","message":{{"id":"{}","model":"claude-sonnet-5-5","usage":{{"input_tokens":{},"output_tokens":1}}}}}}}})",
          id, input),
      fmt::format(
          R"({{"type":"stream_event","parent_tool_use_id":null,"event":{{"type":"message_delta","usage":{{"output_tokens":{}}}}}}})",
          output)};
}
inline std::string result_line(double cost, const std::string& text = "done",
                               bool is_error = false) {
  return fmt::format(
      R"({{"type":"result","subtype":"success","is_error":{},"num_turns":1,"result":"{}","total_cost_usd":{},"session_id":"sess","modelUsage":{{"claude-sonnet-5-5":{{"inputTokens":1000,"outputTokens":100,"costUSD":{}}}}}}})",
      is_error, text, cost, cost);
}

class RunnerTest : public ::testing::Test {
 public:  // the helpers below use the fixture too
  void SetUp() override {
    write_plan({false, false});
    dir.write("plans/PROMPT.md", "Do {{item_id}}: {{item_title}} (iteration {{iteration}})");
    options.repo_root = dir.path();
    options.plan.dir = dir.path() / "plans";
    options.plan.display_dir = "plans";
  }

  void write_plan(const std::vector<bool>& passes) {
    std::string stories;
    for (size_t i = 0; i < passes.size(); ++i) {
      if (i > 0) stories += ",";
      auto extra = item_fields.find(i);
      stories += fmt::format(R"({{"id":"US-{}","title":"Item {}","passes":{},"priority":{}{}}})",
                             i + 1, i + 1, passes[i], i + 1,
                             extra == item_fields.end() ? "" : "," + extra->second);
    }
    dir.write("plans/prd.json", R"({"userStories":[)" + stories + "]}");
    plan_state = passes;
  }

  // An iteration that completes the next failing item and costs `cost` by the agent's count.
  AgentScript completing(double cost) {
    AgentScript script;
    script.lines = {init_line()};
    for (auto& line : turn(fmt::format("m{}", ++message_ids), 1000, 100))
      script.lines.push_back(line);
    script.lines.push_back(result_line(cost));
    script.on_launch = [this] {
      for (size_t i = 0; i < plan_state.size(); ++i) {
        if (!plan_state[i]) {
          plan_state[i] = true;
          break;
        }
      }
      write_plan(plan_state);
      vcs.touch();
    };
    return script;
  }

  Halt run() {
    plan::Problems problems;
    auto loaded = plan::load_plan_folder(options.plan, problems);
    EXPECT_TRUE(loaded) << (problems.empty() ? "" : problems.front().to_string());
    Runner runner(options, std::move(*loaded), deps());
    return runner.run();
  }

  RunnerDeps deps() {
    return RunnerDeps{agent,
                      vcs,
                      clock,
                      *display,
                      [this] { return interrupts; },
                      [] { return std::string("run-1"); },
                      nullptr,
                      [this](std::chrono::milliseconds duration, const std::string& why) {
                        waits.emplace_back(duration, why);
                        clock.advance(duration);
                        return interrupts == 0;
                      },
                      [this](std::string_view text) { return redactor.redact(text); },
                      &hooks,
                      &sweeper,
                      ledger.get(),
                      window};
  }

  // The display's output, for tests that read it (after capture_display()).
  std::string shown() {
    std::fflush(display_file);
    std::rewind(display_file);
    std::string text;
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, display_file)) > 0;) {
      text.append(buffer, n);
    }
    return text;
  }
  void capture_display() {
    display_file = std::tmpfile();
    display = make_display(display_file, false);
  }
  void TearDown() override {
    if (display_file != nullptr) std::fclose(display_file);
  }

  std::vector<meter::IterationRecord> records() {
    auto contents = meter::CostLog(options.log_path()).read_all();
    EXPECT_TRUE(contents);
    return contents->records;
  }

  testing::TempDir dir;
  testing::FakeClock clock;
  testing::FakeAgent agent{clock};
  testing::FakeVcs vcs;
  testing::FakeHookRunner hooks;
  testing::FakeSweeper sweeper;
  std::unique_ptr<budget::Ledger> ledger;             // none unless a test sets one
  std::function<budget::WindowView(int64_t)> window;  // the 5-hour blocks; none: no pacing
  std::unique_ptr<Display> display = make_display(stdout, false);
  std::FILE* display_file = nullptr;
  RunOptions options;
  std::vector<bool> plan_state;
  // More members of item i's JSON object in write_plan, e.g. "\"dependsOn\":[\"US-1\"]".
  std::map<size_t, std::string> item_fields;
  int message_ids = 0;
  int interrupts = 0;
  std::vector<std::pair<std::chrono::milliseconds, std::string>> waits;
  Redactor redactor{{"sk-test-SECRET-value-0123456789"}};
};

}  // namespace ralph::loop
