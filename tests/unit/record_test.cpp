// Records, the cost log, totals, prompts and commit messages.
#include <gtest/gtest.h>

#include <climits>

#include "git/commit_message.hpp"
#include "meter/cost_log.hpp"
#include "meter/record_text.hpp"
#include "meter/totals.hpp"
#include "plan/prompt.hpp"
#include "temp_dir.hpp"

#include <fstream>

namespace ralph {
namespace {

meter::IterationRecord sample(int iteration, double cost) {
  meter::IterationRecord r;
  r.run_id = "20261123-101500-ab12";
  r.iteration = iteration;
  r.item_id = "US-002";
  r.model = "claude-sonnet-5-5";
  r.usage = {1200, 3400, 20000, 180000};
  r.cost_usd = cost;
  r.cost_source = "agent";
  r.outcome = "success";
  r.items_completed = {"US-002"};
  r.commit = "abc";
  return r;
}

TEST(RecordTest, HasEverySpecField) {
  auto json = meter::to_json(sample(7, 0.4123));
  for (const char* field :
       {"run_id", "iteration", "started_at", "ended_at", "duration_ms", "item_id", "model",
        "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
        "cost_usd", "cost_source", "num_turns", "outcome", "items_completed", "commit",
        "session_id"}) {
    EXPECT_TRUE(json.contains(field)) << field;
  }
  EXPECT_TRUE(json["session_id"].is_null());
  auto back = meter::record_from_json(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->usage, sample(7, 0.4123).usage);
  EXPECT_EQ(back->commit, "abc");
}

TEST(RecordTest, HostileFieldsAreClamped) {
  auto r = meter::record_from_json(
      nlohmann::json::parse(R"({"run_id":"r","iteration":1e100,"num_turns":-3})"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->iteration, INT32_MAX);
  EXPECT_EQ(r->num_turns, 0);
}

TEST(CostLogTest, AppendsAndToleratesATornLastLine) {
  testing::TempDir dir;
  meter::CostLog log(dir.path() / "iterations.jsonl");
  EXPECT_TRUE(log.read_all()->records.empty());  // no log yet
  ASSERT_TRUE(log.append(sample(1, 0.5)));
  // A crash in the middle of a write leaves half a line.
  {
    std::ofstream out(dir.path() / "iterations.jsonl", std::ios::app);
    out << R"({"run_id":"x","iter)";
  }
  auto contents = log.read_all();
  ASSERT_TRUE(contents);
  EXPECT_EQ(contents->records.size(), 1u);
  EXPECT_EQ(contents->skipped_lines, 1);
  ASSERT_TRUE(log.append(sample(2, 0.25)));
  contents = log.read_all();
  ASSERT_EQ(contents->records.size(), 2u);  // the torn fragment is never joined to a record
  EXPECT_EQ(contents->records[1].iteration, 2);
  auto totals = meter::sum(contents->records);
  EXPECT_DOUBLE_EQ(totals.cost_usd, 0.75);
  EXPECT_EQ(totals.usage.cache_read_input_tokens, 360000);
}

TEST(RecordTextTest, WritesWhatReadsBackAndEscapes) {
  auto r = sample(3, 0.1 + 0.2);
  r.item_id = "US-\"7\"\n\x01";
  r.models["claude-haiku-4-5"] = {{1, 2, 3, 4}, 0.001};
  r.session_id = std::nullopt;
  r.peak_context_tokens = 201000;
  r.metered_cost_usd = 0.30000000000000004;
  r.stray_processes = 3;
  r.lingered = true;
  r.history_rewritten = true;
  std::string text = meter::record_json(r);
  auto parsed = nlohmann::json::parse(text);  // valid JSON
  EXPECT_EQ(parsed["stray_processes"], 3);
  EXPECT_EQ(parsed["lingered"], true);
  EXPECT_EQ(parsed["history_rewritten"], true);
  EXPECT_EQ(parsed["item_id"], "US-\"7\"\n\x01");
  EXPECT_DOUBLE_EQ(parsed["cache_hit_ratio"].get<double>(), 180000.0 / 201200.0);
  meter::RecordParser parser;
  auto back = parser.parse(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(meter::record_json(*back), text);  // nothing lost, nothing rounded
  EXPECT_EQ(back->cost_usd, 0.1 + 0.2);
  EXPECT_EQ(back->metered_cost_usd, 0.30000000000000004);
  // A record from before the field: none, not $0 (which would look like a drift).
  auto old = parser.parse(R"({"run_id":"r","iteration":1,"cost_usd":0.5})");
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->metered_cost_usd);
  EXPECT_EQ(back->stray_processes, 3);
  EXPECT_TRUE(back->lingered);
  EXPECT_TRUE(back->history_rewritten);
}

TEST(RecordTextTest, BrokenUtf8BecomesAReplacementCharacter) {
  auto r = sample(1, 1);
  r.model = "caf\xc3\xa9 \xff \xe2\x82 \xed\xa0\x80 \xf0\x9f\x98\x80";
  std::string text = meter::record_json(r);
  auto parsed = nlohmann::json::parse(text);  // nlohmann refuses invalid UTF-8: this is valid
  EXPECT_EQ(parsed["model"],
            "caf\xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd "
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80");
}

TEST(RecordTextTest, RejectsWhatIsNotARecordAndReusesStorage) {
  meter::RecordParser parser;
  for (const char* line : {"", "[]", "{\"run_id\":\"r\"}", "{\"run_id\":\"r\",\"iter",
                           "{\"run_id\":\"r\",\"iteration\":1} trailing", "not json"}) {
    EXPECT_FALSE(parser.parse(line)) << line;
  }
  std::string deep = "{\"run_id\":\"r\",\"iteration\":1,\"x\":" + std::string(200, '[') +
                     std::string(200, ']') + "}";
  EXPECT_FALSE(parser.parse(deep));
  meter::IterationRecord reused = sample(1, 1.0);
  ASSERT_TRUE(
      parser.parse_into(R"({"run_id":"x","iteration":2,"models":7,"commit":3})", 0, reused));
  EXPECT_EQ(reused.run_id, "x");
  EXPECT_FALSE(reused.item_id);  // fields of the previous record do not leak into this one
  EXPECT_FALSE(reused.commit);
  EXPECT_TRUE(reused.items_completed.empty());
  EXPECT_EQ(reused.cost_usd, 0);
}

TEST(CostLogTest, ScansFromAnOffsetAndFindsTheLastRecord) {
  testing::TempDir dir;
  meter::CostLog log(dir.path() / "iterations.jsonl");
  EXPECT_FALSE(*log.last_record());
  for (int i = 1; i <= 3000; ++i) ASSERT_TRUE(log.append(sample(i, 0.001 * i)));  // > 1 block
  int seen = 0;
  double cost = 0;
  auto summary = log.scan(0, [&](const meter::IterationRecord& r) {
    EXPECT_EQ(r.iteration, ++seen);
    cost += r.cost_usd;
  });
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->records, 3000);
  EXPECT_NEAR(cost, 0.001 * 3000 * 3001 / 2, 1e-9);
  // Appended since: only the new lines; a half-written line waits for the next read.
  ASSERT_TRUE(log.append(sample(3001, 1)));
  {
    std::ofstream out(dir.path() / "iterations.jsonl", std::ios::app);
    out << R"({"run_id":"x","iteration":3002,)";
  }
  auto tail = log.read_from(summary->end_offset);
  ASSERT_TRUE(tail);
  ASSERT_EQ(tail->records.size(), 1u);
  EXPECT_EQ(tail->records[0].iteration, 3001);
  EXPECT_TRUE(tail->partial_tail);
  {
    std::ofstream out(dir.path() / "iterations.jsonl", std::ios::app);
    out << R"("started_at":"t"})"
        << "\n";
  }
  auto rest = log.read_from(tail->end_offset);
  ASSERT_EQ(rest->records.size(), 1u);
  EXPECT_EQ(rest->records[0].iteration, 3002);
  EXPECT_EQ((*log.last_record())->iteration, 3002);
  // A line longer than a block is read whole.
  auto big = sample(3003, 1);
  big.items_completed.assign(1 << 16, "US-0000000000000001");
  ASSERT_TRUE(log.append(big));
  auto all = log.read_all();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->records.size(), 3003u);
  EXPECT_EQ(all->records.back().items_completed.size(), 1u << 16);
  EXPECT_EQ((*log.last_record())->iteration, 3003);
}

TEST(CommitMessageTest, SubjectBodyAndTrailers) {
  EXPECT_EQ(git::commit_message(sample(7, 0.4123), "Add login form"),
            "ralph(US-002): Add login form\n\n"
            "Iteration 7 of run 20261123-101500-ab12.\n\n"
            "Ralph-Run: 20261123-101500-ab12\n"
            "Ralph-Iteration: 7\n"
            "Ralph-Cost-USD: 0.4123\n"
            "Ralph-Tokens: in=1200 out=3400 cache_write=20000 cache_read=180000\n"
            "Ralph-Model: claude-sonnet-5-5\n");
}

TEST(PromptTest, FillsPlaceholdersAndReportsUnknownOnes) {
  plan::PlanItem item;
  item.id = "US-1";
  item.title = "Title";
  item.acceptance_criteria = {"a", "b"};
  auto values = plan::prompt_values("plans", item, 3, "run");
  EXPECT_EQ(plan::render_prompt("{{item_id}} {{ item_id }} {{iteration}} {{prd_file}} {{nope}}\n"
                                "{{acceptance_criteria}}",
                                values),
            "US-1 {{ item_id }} 3 plans/prd.json {{nope}}\n- a\n- b\n");
  plan::Problems problems;
  plan::check_prompt("ok {{item_id}}\nbad {{item_titel}}", "plans/PROMPT.md", problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].to_string(),
            "plans/PROMPT.md:2:5: unknown placeholder {{item_titel}}: did you mean "
            "{{item_title}}?");
}

}  // namespace
}  // namespace ralph
