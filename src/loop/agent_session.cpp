#include "loop/agent_session.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/line_splitter.hpp"

namespace ralph::loop {

namespace {

struct Stop {
  Stop(StopCause cause, std::string detail, std::optional<budget::Scope> budget = std::nullopt)
      : cause(cause), detail(std::move(detail)), budget(budget) {}
  StopCause cause;
  std::string detail;
  std::optional<budget::Scope> budget;  // kBudget: whose cap
};

// Why the agent must be stopped now, if it must.
std::optional<Stop> limit_reached(const meter::StreamMeter& meter, const SessionLimits& limits,
                                  bool timed_out, int interrupts) {
  if (interrupts > 0) return Stop{StopCause::kInterrupted, "interrupted"};
  if (limits.budgets != nullptr) {
    if (auto stop = limits.budgets->must_stop(meter.live_cost())) {
      return Stop{StopCause::kBudget, stop->detail, stop->scope};
    }
  }
  if (limits.halt_now) {
    if (auto why = limits.halt_now()) return Stop{StopCause::kAnomaly, *why};
  }
  if (const auto& retry = meter.last_retry();
      retry && (retry->error == "authentication_failed" || retry->error_status == 401 ||
                retry->error_status == 403)) {
    return Stop{StopCause::kFatal,
                fmt::format("the API refused the agent's credentials (HTTP {}, {}): check "
                            "ANTHROPIC_API_KEY or run `claude` once to log in",
                            retry->error_status, retry->error)};
  }
  if (const auto& limit = meter.usage_limit()) {
    return Stop{StopCause::kUsageLimit, fmt::format("the agent hit its {}usage limit",
                                                    limit->kind.empty() ? "" : limit->kind + " ")};
  }
  if (timed_out) {
    return Stop{StopCause::kTimeout, fmt::format("the iteration ran past its timeout of {}s",
                                                 limits.timeout.count() / 1000)};
  }
  return std::nullopt;
}

}  // namespace

namespace {

// Writes a line and its newline; a failed write loses only the copy, never the metering.
void write_line(int fd, std::string_view line) {
  std::string data(line);
  data.push_back('\n');
  for (std::string_view rest = data; !rest.empty();) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

// After the agent has exited, what it left holding its stdout may still send output: the
// session ends once that has been quiet for a second, or ten seconds after the exit at most.
constexpr std::chrono::milliseconds kQuietAfterExit{1000};
constexpr std::chrono::milliseconds kMostAfterExit{10'000};

UniqueFd open_log(const std::filesystem::path& path) {
  return UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
}

}  // namespace

SessionOutcome run_agent_session(agent::AgentLauncher& launcher, const agent::LaunchSpec& spec,
                                 const SessionFiles& files, meter::StreamMeter& meter,
                                 const SessionLimits& limits, const Clock& clock,
                                 const SessionHooks& hooks) {
  SessionOutcome outcome;
  UniqueFd stream = open_log(files.stream);
  UniqueFd errors = open_log(files.stderr_log);
  if (!stream.valid() || !errors.valid()) {
    outcome.launch_error =
        fmt::format("cannot create {}: {}", files.stream.parent_path().string(), errno_text(errno));
    return outcome;
  }
  auto process = launcher.launch(spec);
  if (!process) {
    outcome.launch_error = process.message();
    return outcome;
  }

  if (hooks.started) hooks.started((*process)->pid());
  auto redacted = [&](std::string_view line) {
    return files.redact ? files.redact(line) : std::string(line);
  };
  // The stream file keeps every line the agent printed, secrets redacted; a line past the
  // limit is kept only up to it (and not parsed).
  LineSplitter lines(kMaxLineBytes, [&](std::string_view line, bool oversized) {
    write_line(stream.get(), redacted(line));
    if (oversized) {
      ++outcome.oversized_lines;
      return;
    }
    meter.feed(line);
  });
  LineSplitter error_lines(kMaxLineBytes, [&](std::string_view line, bool) {
    write_line(errors.get(), redacted(line));
  });
  const auto started = clock.steady_now();
  auto last_progress = started;
  auto last_output = started;
  std::optional<std::chrono::steady_clock::time_point> result_at;
  std::optional<std::chrono::steady_clock::time_point> exited_at;
  std::chrono::milliseconds grace = limits.stop_grace;
  const std::function<bool()> hurry = [&hooks] {
    return hooks.interrupts && hooks.interrupts() > 1;
  };
  std::string chunk;
  std::string error_chunk;
  for (;;) {
    chunk.clear();
    error_chunk.clear();
    auto more = (*process)->read(std::chrono::milliseconds(200), chunk, error_chunk);
    lines.feed(chunk);
    error_lines.feed(error_chunk);
    const auto now = clock.steady_now();
    if (!chunk.empty() || !error_chunk.empty()) last_output = now;
    const bool ended = !more || !*more;
    if (ended) {
      lines.finish();
      error_lines.finish();
      if (!more) outcome.detail = more.message();
      break;
    }
    if (meter.result() && !result_at) result_at = now;
    if (!exited_at && (*process)->exited()) exited_at = now;
    // The agent has exited, but something it started still holds its output open: what it
    // printed has been read; the holder is stopped with the rest of what it left running.
    if (exited_at && (now - std::max(*exited_at, last_output) >= kQuietAfterExit ||
                      now - *exited_at >= kMostAfterExit)) {
      lines.finish();
      error_lines.finish();
      break;
    }
    int interrupts = hooks.interrupts ? hooks.interrupts() : 0;
    if (hooks.before_check) hooks.before_check(meter.live_cost());
    auto stop = limit_reached(meter, limits, now - started >= limits.timeout, interrupts);
    if (!stop && limits.idle_timeout.count() > 0 && now - last_output >= limits.idle_timeout) {
      stop = Stop{
          StopCause::kIdle,
          fmt::format("idle for {} s: nothing on its stdout or stderr",
                      std::chrono::duration_cast<std::chrono::seconds>(now - last_output).count())};
    }
    if (!stop && result_at && !exited_at && now - *result_at >= limits.result_grace) {
      outcome.lingered = true;
      stop = Stop{
          StopCause::kLingered,
          fmt::format("the agent printed its result but had not exited {} s later",
                      std::chrono::duration_cast<std::chrono::seconds>(now - *result_at).count())};
    }
    if (stop) {
      outcome.stopped = stop->cause;
      outcome.detail = stop->detail;
      outcome.budget = stop->budget;
      // A second interrupt skips the grace period, or cuts it short.
      if (interrupts > 1) grace = std::chrono::milliseconds(0);
      (*process)->stop(grace, hurry);
      lines.finish();
      error_lines.finish();
      break;
    }
    if (hooks.progress && now - last_progress >= hooks.progress_every) {
      hooks.progress();
      last_progress = now;
    }
  }
  // Whatever the end: nothing the agent started outlives its iteration. The agent is swept
  // for before it is reaped, so no other process can take its group id meanwhile.
  (*process)->await_exit();
  if (hooks.sweep) outcome.strays = hooks.sweep(hurry() ? std::chrono::milliseconds(0) : grace);
  outcome.exit_code = (*process)->wait();
  // Output that arrived between the last read and the stop still counts.
  if (outcome.stopped == StopCause::kNone) {
    int interrupts = hooks.interrupts ? hooks.interrupts() : 0;
    if (auto stop = limit_reached(meter, limits, false, interrupts);
        stop && stop->cause != StopCause::kInterrupted) {
      outcome.stopped = stop->cause;
      outcome.detail = stop->detail;
      outcome.budget = stop->budget;
    }
  }
  return outcome;
}

std::string record_outcome(const SessionOutcome& session, const meter::StreamMeter& meter) {
  switch (session.stopped) {
    case StopCause::kBudget:
      return "budget";
    case StopCause::kTimeout:
    case StopCause::kIdle:
      return "timeout";
    case StopCause::kInterrupted:
      return "interrupted";
    case StopCause::kAnomaly:
      return "anomaly";
    case StopCause::kFatal:
    case StopCause::kUsageLimit:
      return "agent_error";
    case StopCause::kNone:
    case StopCause::kLingered:  // its work was done: the result says how it went
      break;
  }
  const auto& result = meter.result();
  if (!result || session.launch_error) return "agent_error";
  if (result->subtype == "error_max_budget_usd") return "budget";
  return result->is_error ? "agent_error" : "success";
}

}  // namespace ralph::loop
