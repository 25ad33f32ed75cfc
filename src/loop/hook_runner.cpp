#include "loop/hook_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "agent/proc_table.hpp"
#include "agent/process.hpp"
#include "loop/display.hpp"
#include "plan/hook_files.hpp"
#include "util/clock.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"

namespace ralph::loop {

namespace fs = std::filesystem;
using nlohmann::json;

std::string HookResult::describe() const {
  switch (status) {
    case Status::kOk:
      return "exited with 0";
    case Status::kFailed:
      return fmt::format("exited with {}", exit_code);
    case Status::kTimedOut:
      return fmt::format("timed out after {} and was stopped", human_duration(elapsed));
    case Status::kInterrupted:
      return "was stopped by an interrupt";
    case Status::kNotStarted:
      return "could not start: " + error;
  }
  return "failed";
}

std::string HookResult::last_line() const {
  size_t newline = output.rfind('\n');
  return newline == std::string::npos ? output : output.substr(newline + 1);
}

namespace {

constexpr size_t kTailBytes = 64 * 1024;
constexpr size_t kTailLines = 20;

void append_text(const fs::path& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return;  // the log is for people; the hook still runs
  for (std::string_view rest = text; !rest.empty();) {
    ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

// The last non-empty lines written to `path` after `offset`.
std::string output_tail(const fs::path& path, uintmax_t offset) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (ec || size <= offset) return "";
  uintmax_t from = std::max(offset, size > kTailBytes ? size - kTailBytes : 0);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return "";
  std::string data(static_cast<size_t>(size - from), '\0');
  ssize_t n = ::pread(fd.get(), data.data(), data.size(), static_cast<off_t>(from));
  data.resize(n > 0 ? static_cast<size_t>(n) : 0);
  std::vector<std::string_view> lines;
  for (std::string_view rest = data; !rest.empty();) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  if (lines.size() > kTailLines) lines.erase(lines.begin(), lines.end() - kTailLines);
  return fmt::format("{}", fmt::join(lines, "\n"));
}

int iteration_of(const json& payload) {
  auto it = payload.find("iteration");
  return it != payload.end() && it->is_number_integer() ? it->get<int>() : 0;
}

}  // namespace

HookResult ProcessHookRunner::run(const std::string& hook, const json& payload) {
  using std::chrono::milliseconds;
  HookResult result;
  auto redact = [this](std::string_view text) {
    return settings_.redact ? settings_.redact(text) : std::string(text);
  };
  const std::string event = payload.value("event", "");
  const std::string run_id = payload.value("run_id", "");
  const int iteration = iteration_of(payload);
  const fs::path dir = settings_.repo_root / ".ralph" / "runs" / run_id;
  const fs::path input = dir / fmt::format("hook-{}.json", event);
  const fs::path log = dir / "hooks.log";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (Status s = write_file_atomic(input, redact(payload.dump()) + "\n"); !s) {
    result.status = HookResult::Status::kNotStarted;
    result.error = s.message();
    return result;
  }
  append_text(
      log, fmt::format("==> {} {} {} (iteration {})\n",
                       format_rfc3339(std::chrono::system_clock::now()), event, hook, iteration));
  const uintmax_t offset = fs::file_size(log, ec);

  agent::SpawnSpec spec;
  spec.argv = {plan::resolve_hook(settings_.repo_root, hook).string()};
  spec.cwd = settings_.repo_root;
  spec.stdin_file = input;
  spec.output_file = log;
  const std::string tag = agent::new_process_tag(run_id, iteration) + ":" + event;
  spec.env = {{"RALPH_EVENT", event},
              {"RALPH_RUN_ID", run_id},
              {"RALPH_ITERATION", std::to_string(iteration)},
              {agent::kProcessTagVariable, tag}};
  const uint64_t started_ticks = agent::boot_ticks_now();
  const auto started = std::chrono::steady_clock::now();
  const int interrupts_before = settings_.interrupts ? settings_.interrupts() : 0;
  auto process = agent::Process::spawn(spec);
  if (!process) {
    result.status = HookResult::Status::kNotStarted;
    result.error = process.message();
    append_text(log, fmt::format("<== could not start: {}\n", result.error));
    return result;
  }
  const auto deadline = started + settings_.timeout;
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      result.status = HookResult::Status::kTimedOut;
      break;
    }
    auto left = std::chrono::ceil<milliseconds>(deadline - now);
    // Short slices, so a signal is seen soon.
    if ((*process)->wait_for(std::min(left, milliseconds(200)))) break;
    if (settings_.interrupts && settings_.interrupts() > interrupts_before) {
      result.status = HookResult::Status::kInterrupted;
      break;
    }
  }
  result.elapsed =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  // A further interrupt while it is being stopped cuts the grace short.
  const auto hurry = [this, interrupts_before] {
    return settings_.interrupts && settings_.interrupts() > interrupts_before + 1;
  };
  const milliseconds grace = hurry() ? milliseconds(0) : settings_.stop_grace;
  if (result.status != HookResult::Status::kOk) (*process)->stop(grace, hurry);
  // What it left, swept for before the hook is reaped: its group id stays its own until then.
  (*process)->await_exit();
  if (settings_.sweeper != nullptr) {
    agent::SweepSpec leftovers;
    leftovers.tag = tag;
    leftovers.started_after = started_ticks;
    leftovers.groups = {(*process)->pid()};
    leftovers.keep = {(*process)->pid()};
    leftovers.grace = grace;
    leftovers.hurry = hurry;
    result.strays = settings_.sweeper->sweep(leftovers);
  }
  result.exit_code = (*process)->wait();
  if (result.status == HookResult::Status::kOk && result.exit_code != 0) {
    result.status = HookResult::Status::kFailed;
  }
  result.output = redact(output_tail(log, offset));
  append_text(log, fmt::format("<== {} ({})\n", result.describe(), human_duration(result.elapsed)));
  return result;
}

}  // namespace ralph::loop
