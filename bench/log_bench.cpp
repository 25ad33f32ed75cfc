// Times the readers of the cost log (`ralph costs`, `ralph status`, `ralph report`) on a
// generated cost log of 100,000 records against a baseline measured in the same run: `cat` of
// the same log, which reads the same bytes and starts a process too. The target: `ralph costs
// --json` and `ralph status --json` within 3 times `cat`.
//
//   ralph_log_bench [RECORDS] [REPEATS] [--keep]
//
// --keep leaves the generated project (its folder is printed) for profiling a reader.
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "meter/record.hpp"
#include "meter/record_text.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kRuns = 20;
constexpr int kItems = 60;

// Records as real runs write them: 20 runs, items worked on in order, one in three
// iterations completing its item, per-model breakdowns that add up to the record.
void write_log(const fs::path& path, int records) {
  std::mt19937_64 random(42);
  std::ofstream out(path, std::ios::binary);
  std::string line;
  const int per_run = std::max(1, records / kRuns);
  for (int i = 0; i < records; ++i) {
    ralph::meter::IterationRecord r;
    r.run_id =
        fmt::format("20261123-{:06}-{:04x}", i / per_run, (i / per_run) * 2654435761u & 0xffff);
    r.iteration = i % per_run + 1;
    r.started_at =
        fmt::format("2026-11-{:02}T{:02}:{:02}:00.000Z", 1 + i / 4000 % 28, i / 60 % 24, i % 60);
    r.ended_at = r.started_at;
    r.duration_ms = 20'000 + static_cast<int64_t>(random() % 200'000);
    r.item_id = fmt::format("US-{:03}", 1 + i / 3 % kItems);
    r.model = i % 5 == 0 ? "claude-haiku-4-5" : "claude-sonnet-5-5";
    r.usage = {static_cast<int64_t>(random() % 5000), static_cast<int64_t>(random() % 40'000),
               static_cast<int64_t>(random() % 60'000), static_cast<int64_t>(random() % 900'000)};
    r.cost_usd = static_cast<double>(random() % 2'000'000) / 1e6;
    r.cost_source = "agent";
    r.num_turns = 5 + static_cast<int>(random() % 40);
    r.outcome = i % 17 == 0 ? "agent_error" : "success";
    if (i % 3 == 2) r.items_completed = {*r.item_id};
    r.commit = fmt::format("{:016x}{:016x}{:08x}", random(), random(), random() & 0xffffffff);
    r.session_id = fmt::format("{:08x}-6a55-4b1e-9d55-{:012x}", random() & 0xffffffff,
                               random() & 0xffffffffffff);
    r.models[r.model] = {r.usage, r.cost_usd};
    r.peak_context_tokens = 20'000 + static_cast<int64_t>(random() % 180'000);
    r.agent_subtype = "success";
    line.clear();
    ralph::meter::append_record_json(line, r);
    line.push_back('\n');
    out << line;
  }
}

void write_plan(const fs::path& dir) {
  fs::create_directories(dir);
  std::string stories;
  for (int i = 1; i <= kItems; ++i) {
    stories +=
        fmt::format(R"({}{{"id": "US-{:03}", "title": "Item {}", "priority": {}, "passes": {}}})",
                    i == 1 ? "" : ",\n    ", i, i, i, i <= kItems / 2 ? "true" : "false");
  }
  std::ofstream(dir / "prd.json") << "{\"project\": \"bench\", \"userStories\": [\n    " << stories
                                  << "]}\n";
}

struct Sample {
  double seconds = 0;
  long max_rss_kb = 0;
};

// Runs argv in `cwd` with stdout and stderr to /dev/null; its wall time and peak memory.
Sample time_command(const std::vector<std::string>& args, const fs::path& cwd) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  auto start = Clock::now();
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    fmt::print(stderr, "cannot start {}: {}\n", args[0], rc);
    std::exit(1);
  }
  int status = 0;
  struct rusage usage {};
  while (wait4(pid, &status, 0, &usage) < 0) {
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fmt::print(stderr, "{} failed (status {})\n", fmt::join(args, " "), status);
    std::exit(1);
  }
  return {seconds, usage.ru_maxrss};
}

struct Figure {
  double median = 0;
  double best = 0;
  long max_rss_kb = 0;
};

Figure measure(const std::vector<std::string>& args, const fs::path& cwd, int repeats) {
  time_command(args, cwd);  // warm: the log in the page cache, the binary loaded
  std::vector<double> times;
  long rss = 0;
  for (int i = 0; i < repeats; ++i) {
    Sample sample = time_command(args, cwd);
    times.push_back(sample.seconds);
    rss = std::max(rss, sample.max_rss_kb);
  }
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], times.front(), rss};
}

}  // namespace

int main(int argc, char** argv) {
  const int records = argc > 1 ? std::atoi(argv[1]) : 100'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
  std::string templ = (fs::temp_directory_path() / "ralph-bench-XXXXXX").string();
  const fs::path dir = ::mkdtemp(templ.data());
  fs::create_directories(dir / ".ralph");
  write_plan(dir / "plans");
  const fs::path log = dir / ".ralph" / "iterations.jsonl";
  write_log(log, records);
  fmt::print("cost log: {} records in {} runs, {:.1f} MB; median of {} runs each\n\n", records,
             kRuns, static_cast<double>(fs::file_size(log)) / 1e6, repeats);

  const Figure baseline = measure({"cat", log.string()}, dir, repeats);
  struct Case {
    std::string label;
    std::vector<std::string> args;
    bool targeted;  // the target: at most 3 times cat
  };
  const std::string ralph = RALPH_BINARY;
  const std::vector<Case> cases = {
      {"ralph costs --json", {ralph, "costs", "--json"}, true},
      {"ralph status --json", {ralph, "status", "--json"}, true},
      {"ralph costs --json --all", {ralph, "costs", "--json", "--all"}, false},
      {"ralph costs --all --by model", {ralph, "costs", "--all", "--by", "model"}, false},
      {"ralph report --html", {ralph, "report", "--html", (dir / "report.html").string()}, false},
  };
  fmt::print("{:<30} {:>10} {:>10} {:>11} {:>9}  {}\n", "command", "median", "best", "x baseline",
             "peak RSS", "target <= 3x cat");
  fmt::print("{:<30} {:>8.1f}ms {:>8.1f}ms {:>11} {:>7}MB\n", "cat (baseline)",
             baseline.median * 1e3, baseline.best * 1e3, "1.0", baseline.max_rss_kb / 1024);
  for (const auto& c : cases) {
    Figure f = measure(c.args, dir, repeats);
    fmt::print("{:<30} {:>8.1f}ms {:>8.1f}ms {:>11.1f} {:>7}MB  {}\n", c.label, f.median * 1e3,
               f.best * 1e3, f.median / baseline.median, f.max_rss_kb / 1024,
               c.targeted ? (f.median <= 3 * baseline.median ? "met" : "MISSED") : "-");
  }
  if (argc > 3 && std::string_view(argv[3]) == "--keep") {
    fmt::print("\nthe project is kept in {}\n", dir.string());
  } else {
    fs::remove_all(dir);
  }
  return 0;
}
