// Reading files' lines in blocks: every complete line once and in order, whatever the block
// boundaries cut, on one thread for a small file and on two for a large one; the cost log's
// scan on two threads gives the records a line-by-line read gives.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "meter/cost_log.hpp"
#include "meter/record_text.hpp"
#include "temp_dir.hpp"
#include "util/file_lines.hpp"

namespace ralph {
namespace {

// Lines of every length: empty, blank, short, longer than a block (512 KiB), and a last one
// without its newline.
std::vector<std::string> make_lines(size_t bytes, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::string> lines;
  size_t total = 0;
  while (total < bytes) {
    size_t length = random() % 100 == 0 ? 700'000 + random() % 400'000 : random() % 3000;
    std::string line(length, ' ');
    for (char& c : line) c = static_cast<char>('a' + random() % 26);
    if (random() % 50 == 0) line = "   ";
    total += line.size() + 1;
    lines.push_back(std::move(line));
  }
  return lines;
}

void write(const std::filesystem::path& path, const std::vector<std::string>& lines,
           const std::string& unfinished) {
  std::ofstream out(path, std::ios::binary);
  for (const auto& line : lines) out << line << '\n';
  out << unfinished;
}

TEST(FileLinesTest, EveryCompleteLineOnceAndInOrderOfSmallAndLargeFiles) {
  testing::TempDir dir;
  for (size_t bytes : {size_t{100'000}, size_t{12'000'000}}) {
    const auto lines = make_lines(bytes, bytes);
    const auto path = dir.path() / "lines.txt";
    write(path, lines, "an unfinished line");
    std::vector<std::string> seen;
    auto read =
        read_lines_from(path, 0, 64, [&](std::string_view line) { seen.emplace_back(line); });
    ASSERT_TRUE(read) << read.message();
    EXPECT_EQ(seen, lines) << bytes;
    EXPECT_TRUE(read->partial_tail);
    EXPECT_EQ(read->end_offset, std::filesystem::file_size(path) - 18);

    // From the start of a line in the middle: the lines from there on.
    uint64_t offset = 0;
    for (size_t i = 0; i < lines.size() / 2; ++i) offset += lines[i].size() + 1;
    seen.clear();
    read =
        read_lines_from(path, offset, 64, [&](std::string_view line) { seen.emplace_back(line); });
    ASSERT_TRUE(read);
    EXPECT_EQ(seen, std::vector<std::string>(lines.begin() + lines.size() / 2, lines.end()));
  }
}

// Which thread parsed each block, and the text visited.
class Recorder : public BlockWork {
 public:
  void parse(int slot, int worker, std::string_view lines) override {
    lines_[slot] = lines;
    workers_[slot] = worker;
  }
  void visit(int slot) override {
    // A visit slower than a read, as a real one is: the blocks read ahead fill the slots, and
    // the second thread parses some of them.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    text += lines_[slot];
    workers.insert(workers_[slot]);
    ++blocks;
  }
  std::string text;
  std::set<int> workers;
  int blocks = 0;

 private:
  std::string_view lines_[kBlockSlots];
  int workers_[kBlockSlots] = {};
};

TEST(FileLinesTest, ALargeFileIsParsedOnTwoThreadsAndVisitedInOrder) {
  testing::TempDir dir;
  const auto lines = make_lines(12'000'000, 7);
  const auto path = dir.path() / "lines.txt";
  write(path, lines, "");
  Recorder work;
  auto read = read_blocks_from(path, 0, 64, work);
  ASSERT_TRUE(read);
  std::string expected;
  for (const auto& line : lines) expected += line + "\n";
  EXPECT_EQ(work.text, expected);
  EXPECT_EQ(work.workers, (std::set<int>{0, 1}));
  EXPECT_GT(work.blocks, 8);
  EXPECT_FALSE(read->partial_tail);
}

TEST(FileLinesTest, TheCostLogReadOnTwoThreadsGivesTheRecordsOfALineByLineRead) {
  testing::TempDir dir;
  const auto path = dir.path() / "iterations.jsonl";
  std::mt19937_64 random(11);
  std::ofstream out(path, std::ios::binary);
  std::vector<std::string> lines;
  for (int i = 0; i < 30'000; ++i) {
    meter::IterationRecord r;
    r.run_id = fmt::format("run-{}", i / 1000);
    r.iteration = i;
    r.item_id = fmt::format("US-{:03}", i % 50);
    r.model_reason = i % 7 == 0 ? "escalated: \"quoted\"\n" : "first try";  // the DOM's lines
    r.cost_usd = static_cast<double>(random() % 100'000) / 1e5;
    r.models[i % 3 == 0 ? "claude-haiku-4-5" : "claude-sonnet-5-5"] = {r.usage, r.cost_usd};
    std::string line = meter::record_json(r);
    if (i % 997 == 0) line = line.substr(0, line.size() / 2);  // torn by a crash
    if (i % 1009 == 0) line = "";
    out << line << '\n';
    lines.push_back(line);
  }
  out.close();
  ASSERT_GT(std::filesystem::file_size(path), 8u << 20);

  std::vector<std::string> expected;
  int unreadable = 0;
  meter::RecordParser parser;
  for (const auto& line : lines) {
    if (line.empty()) continue;
    if (auto record = parser.parse(line)) {
      expected.push_back(meter::record_json(*record));
    } else {
      ++unreadable;
    }
  }
  std::vector<std::string> scanned;
  auto summary = meter::CostLog(path).scan_views(0, [&](const meter::RecordView& view) {
    scanned.push_back(meter::record_json(meter::to_record(view)));
  });
  ASSERT_TRUE(summary);
  EXPECT_EQ(scanned, expected);
  EXPECT_EQ(summary->skipped_lines, unreadable);
  EXPECT_GT(unreadable, 20);
  EXPECT_EQ(summary->records, static_cast<int>(expected.size()));
}

}  // namespace
}  // namespace ralph
