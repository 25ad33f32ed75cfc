// `ralph run`: validate, take the lock, and run the loop (or, with --parallel, the loops of the
// items' worktrees).
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>

#include <fmt/format.h>

#include "agent/agent.hpp"
#include "agent/process_tree.hpp"
#include "budget/ledger.hpp"
#include "budget/window_pace.hpp"
#include "cli/commands.hpp"
#include "cli/model_prices.hpp"
#include "cli/project.hpp"
#include "cli/validation.hpp"
#include "git/repository.hpp"
#include "loop/countdown.hpp"
#include "loop/events.hpp"
#include "loop/hook_runner.hpp"
#include "loop/lock.hpp"
#include "loop/parallel.hpp"
#include "loop/runner.hpp"
#include "loop/signals.hpp"
#include "plan/hook_files.hpp"
#include "report/selection.hpp"
#include "util/redact.hpp"

extern char** environ;

namespace ralph::cli {

namespace {

// The run settings given as flags, read and checked; a wrong one is a one-line error.
Result<plan::Settings> flag_settings(const RunArgs& args) {
  plan::Settings settings;
  for (const auto& [key, text] : args.settings) {
    const plan::SettingSpec* spec = plan::find_setting(key);
    auto value = plan::parse_setting_text(*spec, text);
    if (!value) return value.error();
    settings.set(key, std::move(*value));
  }
  return settings;
}

// The wall clock, moved to start at RALPH_TEST_WALL_CLOCK (an RFC 3339 time) when that is set:
// the seam through which the integration tests reach the end of a day without waiting for it
// (README "Building by hand"). Unset, it is the system's clock.
class RunClock final : public Clock {
 public:
  explicit RunClock(std::chrono::system_clock::duration shift) : shift_(shift) {}
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::now() + shift_;
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }

 private:
  std::chrono::system_clock::duration shift_;
};

Result<RunClock> run_clock() {
  const char* start = std::getenv("RALPH_TEST_WALL_CLOCK");
  if (start == nullptr || *start == '\0') return RunClock(std::chrono::system_clock::duration(0));
  auto now = std::chrono::system_clock::now();
  auto at = report::parse_time_bound(start, now, false);
  if (!at) return make_error("RALPH_TEST_WALL_CLOCK: " + at.message());
  return RunClock(*at - now);
}

loop::RunOptions resolve_options(const RunArgs& args, const Project& project,
                                 const plan::Config& config, const plan::Settings& flags) {
  loop::RunOptions options;
  options.repo_root = project.root;
  options.plan = project.plan;
  options.apply(config.settings.under(flags));
  options.ladder.model_forced = flags.has("model");  // the flag, not ralph.json's "model"
  options.agent_args = config.agent_args;
  options.agent_args.insert(options.agent_args.end(), args.agent_args.begin(),
                            args.agent_args.end());
  options.hooks = config.hooks;
  if (args.resume) options.resume = loop::RunOptions::Resume::kResume;
  if (args.fresh) options.resume = loop::RunOptions::Resume::kNew;
  const char* home = std::getenv("HOME");
  options.agent_home = home != nullptr ? home : "";
  return options;
}

// The flags of this run that each worktree's loop of --parallel is given too.
std::vector<std::string> loop_args(const RunArgs& args) {
  std::vector<std::string> out;
  for (const auto& [key, text] : args.settings) {
    const plan::SettingSpec* spec = plan::find_setting(key);
    if (key == "parallel" || spec == nullptr || spec->flag.empty()) continue;
    out.push_back(spec->flag);
    if (spec->kind != plan::SettingKind::kSwitch) out.push_back(text);
  }
  for (const auto& arg : args.agent_args) {
    out.push_back("--agent-arg");
    out.push_back(arg);
  }
  return out;
}

}  // namespace

int run_run(const RunArgs& args) {
  if (!args.worktree_item.empty()) {
    // A worktree's loop ends with its coordinator, however that ends (a kill -9 too): SIGTERM,
    // which stops its agent as a Ctrl-C would. A coordinator gone already: nothing to do.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != args.worktree_parent) return loop::exit_code(loop::HaltReason::kInterrupted);
  }
  if (args.resume && args.fresh) return fail(2, "--resume and --new exclude each other");
  auto flags = flag_settings(args);
  if (!flags) return fail(2, flags.message());
  auto project = locate_project(args.plan_dir);
  if (!project) return fail(2, project.message());
  plan::Problems problems;
  auto loaded = plan::load_plan_folder(project->plan, problems);
  if (!loaded) {
    print_problems(problems);
    return 2;
  }
  plan::check_hook_files(project->plan, loaded->config, project->root, problems);
  if (!problems.empty()) {
    print_problems(problems);
    return 2;
  }
  for (const auto& warning : ladder_warnings(project->plan, *loaded)) {
    fmt::print(stderr, "ralph: warning: {}\n", warning);
  }
  if (!project->in_git) {
    return fail(2, fmt::format("{} is not inside a git repository: run `git init` first",
                               project->root.string()));
  }
  loop::RunOptions options = resolve_options(args, *project, loaded->config, *flags);
  if (!args.worktree_item.empty()) {
    options.worktree =
        loop::WorktreeRole{args.worktree_item, args.worktree_run, args.worktree_main};
    options.parallel = 1;
  }
  auto clock = run_clock();
  if (!clock) return fail(2, clock.message());
  // Lines for people, or with --events jsonl one JSON object per event (README "Events").
  auto display = args.events == "jsonl" ? loop::make_event_display(stdout, *clock)
                                        : loop::make_display(stdout, ::isatty(STDOUT_FILENO) == 1);
  if (auto missing = missing_agent_message(options.agent)) {
    fmt::print(stderr, "ralph: error: {}\n", *missing);
    display->halted(loop::Halt{loop::HaltReason::kAgentFatal, *missing});
    return loop::exit_code(loop::HaltReason::kAgentFatal);
  }

  std::error_code ec;
  std::filesystem::create_directories(options.state_dir(), ec);
  if (ec) return fail(1, fmt::format("cannot create .ralph/: {}", ec.message()));
  auto lock = loop::RunLock::acquire(options.state_dir() / "lock", "");
  if (!lock) return fail(1, lock.message());

  auto repo = git::Repository::open(project->root);
  if (!repo) return fail(1, repo.message());
  const Redactor redactor = Redactor::from_environment(environ);
  (*repo)->set_secret_policy(git::SecretFilePolicy(loaded->config.allow_secret_files));
  (*repo)->set_content_check(
      [&redactor](std::string_view content) { return redactor.contains_secret(content); });
  // Only what changed is staged; RALPH_DEBUG says when the whole tree is walked instead
  // (README "Commits").
  const char* debug = std::getenv("RALPH_DEBUG");
  (*repo)->watch_worktree(
      debug == nullptr || *debug == '\0'
          ? std::function<void(std::string_view)>()
          : [](std::string_view why) { fmt::print(stderr, "ralph: debug: {}\n", why); });

  loop::install_interrupt_handlers();
  // Whatever the agent's tools start in groups and sessions of their own is reparented to
  // ralph, never to init, so each iteration's sweep finds it (README "When things go wrong").
  if (Status s = agent::become_subreaper(); !s) {
    fmt::print(stderr,
               "ralph: warning: {}; processes the agent leaves running are found by "
               "their RALPH_PROCESS_TAG only\n",
               s.message());
  }
  agent::SystemSweeper sweeper;
  if (options.parallel > 1) {
    std::error_code self_ec;
    loop::ParallelDeps parallel{
        **repo,
        *clock,
        *display,
        [] { return loop::interrupt_count(); },
        [&clock] { return loop::new_run_id(*clock); },
        [&lock](const std::string& run_id) { (void)lock->set_run_id(run_id); },
        &sweeper,
        std::filesystem::read_symlink("/proc/self/exe", self_ec),
        loop_args(args)};
    loop::ParallelRun run(std::move(options), std::move(*loaded), std::move(parallel));
    return loop::exit_code(run.run().reason);
  }
  auto ledger =
      budget::Ledger::open(options.ledger, [](const char* name) { return std::getenv(name); });
  agent::ProcessLauncher launcher;
  loop::ProcessHookRunner hook_runner(loop::HookSettings{
      options.repo_root, options.hook_timeout, options.stop_grace,
      [] { return loop::interrupt_count(); },
      [&redactor](std::string_view text) { return redactor.redact(text); }, &sweeper});
  loop::RunnerDeps deps{launcher,
                        **repo,
                        *clock,
                        *display,
                        [] { return loop::interrupt_count(); },
                        [&clock] { return loop::new_run_id(*clock); },
                        [&lock](const std::string& run_id) { (void)lock->set_run_id(run_id); },
                        [&display](std::chrono::milliseconds duration, const std::string& why) {
                          return loop::wait_with_countdown(duration, why, *display,
                                                           [] { return loop::interrupt_count(); });
                        },
                        [&redactor](std::string_view text) { return redactor.redact(text); },
                        &hook_runner,
                        &sweeper,
                        ledger.get(),
                        {}};
  if (options.block_limit) {
    // The agent writes its transcripts under ralph's $HOME (or $CLAUDE_CONFIG_DIR), whose
    // projects/ folder may appear only with its first session: looked for at every call.
    // Pacing counts tokens, which do not depend on prices.
    deps.window = [pricing = meter::PricingTable::builtin()](int64_t now_ms) {
      meter::ScanOptions scan{
          meter::transcript_roots([](const char* name) { return std::getenv(name); }), 0};
      return budget::read_window(scan, pricing, now_ms);
    };
  }
  loop::Runner runner(std::move(options), std::move(*loaded), std::move(deps));
  loop::Halt halt = runner.run();
  return loop::exit_code(halt.reason);
}

}  // namespace ralph::cli
