#include "loop/events.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fakes.hpp"
#include "meter/record.hpp"
#include "meter/record_text.hpp"

namespace ralph::loop {
namespace {

using nlohmann::json;
using ralph::testing::FakeClock;

// What the display wrote, a JSON object per line.
class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override { out_ = ::open_memstream(&buffer_, &size_); }
  void TearDown() override {
    if (out_ != nullptr) std::fclose(out_);
    std::free(buffer_);
  }
  std::vector<json> lines() {
    std::fflush(out_);
    std::vector<json> parsed;
    std::istringstream text(std::string(buffer_, size_));
    for (std::string line; std::getline(text, line);) parsed.push_back(json::parse(line));
    return parsed;
  }
  FakeClock clock_;
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* out_ = nullptr;
};

TEST_F(EventsTest, EachEventIsOneLineWithItsTimeAndRun) {
  auto display = make_event_display(out_, clock_);
  display->run_started("20261207-061500-ab12", false);
  LiveStatus status;
  status.iteration = 1;
  status.item_id = "US-001";
  status.item_title = "Say \"hello\"";
  status.model = "claude-sonnet-5-5";
  display->iteration_started(status);
  display->live(status);  // not an event
  clock_.advance(std::chrono::milliseconds(1500));
  meter::IterationRecord record;
  record.run_id = "20261207-061500-ab12";
  record.iteration = 1;
  record.outcome = "success";
  record.cost_usd = 0.25;
  record.items_completed = {"US-001"};
  display->iteration_finished(record, 0.75, 5.0);
  display->note("ralph: warning: stopped 1 process the agent left running: sleep (pid 42)");
  display->note("ralph: recovered iteration 3");
  display->halted(Halt{HaltReason::kComplete, "all 1 items pass"});

  auto events = lines();
  ASSERT_EQ(events.size(), 6u);
  for (const auto& event : events) EXPECT_EQ(event["run_id"], "20261207-061500-ab12");
  EXPECT_EQ(events[0]["event"], "run_started");
  EXPECT_EQ(events[0]["resumed"], false);
  EXPECT_EQ(events[0]["time"], format_rfc3339(clock_.wall_now() - clock_.offset));
  EXPECT_EQ(events[1]["event"], "iteration_started");
  EXPECT_EQ(events[1]["iteration"], 1);
  EXPECT_EQ(events[1]["item"], "US-001");
  EXPECT_EQ(events[1]["title"], "Say \"hello\"");
  EXPECT_EQ(events[1]["model"], "claude-sonnet-5-5");
  EXPECT_TRUE(events[1]["model_note"].is_null());
  EXPECT_EQ(events[2]["event"], "iteration_ended");
  EXPECT_EQ(events[2]["time"], format_rfc3339(clock_.wall_now()));
  EXPECT_EQ(events[2]["outcome"], "success");
  EXPECT_EQ(events[2]["cost_usd"], 0.25);
  EXPECT_EQ(events[2]["run_cost_usd"], 0.75);
  EXPECT_EQ(events[2]["budget_usd"], 5.0);
  EXPECT_EQ(events[2]["record"], json::parse(meter::record_json(record)));
  EXPECT_EQ(events[3]["event"], "warning");
  EXPECT_EQ(events[3]["message"], "stopped 1 process the agent left running: sleep (pid 42)");
  EXPECT_EQ(events[4]["event"], "note");
  EXPECT_EQ(events[4]["message"], "recovered iteration 3");
  EXPECT_EQ(events[5]["event"], "halt");
  EXPECT_EQ(events[5]["reason"], "complete");
  EXPECT_EQ(events[5]["detail"], "all 1 items pass");
  EXPECT_EQ(events[5]["exit_code"], 0);
}

TEST_F(EventsTest, AWaitIsAnEventWhenItStartsAndThenOnceAMinute) {
  auto display = make_event_display(out_, clock_);
  display->waiting("usage limit: waiting for its reset", std::chrono::seconds(150));
  display->waiting("usage limit: waiting for its reset", std::chrono::seconds(149));
  display->waiting("usage limit: waiting for its reset", std::chrono::seconds(119));
  display->waiting("back-off after a failure", std::chrono::seconds(10));
  display->halted(Halt{HaltReason::kInterrupted, "interrupted"});
  auto events = lines();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(events[0]["run_id"].is_null());  // no run started yet
  EXPECT_EQ(events[0]["event"], "waiting");
  EXPECT_EQ(events[0]["seconds_left"], 150);
  EXPECT_EQ(events[1]["seconds_left"], 119);
  EXPECT_EQ(events[2]["reason"], "back-off after a failure");
  EXPECT_EQ(events[3]["exit_code"], 130);
}

}  // namespace
}  // namespace ralph::loop
