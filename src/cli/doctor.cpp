#include "cli/doctor.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdlib>
#include <regex>

#include "agent/process.hpp"
#include "agent/process_tree.hpp"
#include "budget/ledger.hpp"
#include "budget/pg_ledger.hpp"
#include "cli/model_prices.hpp"
#include "cli/project.hpp"
#include "cli/validation.hpp"
#include "git/repository.hpp"
#include "plan/hook_files.hpp"

namespace ralph::cli {

namespace fs = std::filesystem;
using Level = Check::Level;

namespace {

Check ok(std::string name, std::string what) {
  return Check{std::move(name), Level::kOk, std::move(what), ""};
}
Check warn(std::string name, std::string what, std::string fix) {
  return Check{std::move(name), Level::kWarn, std::move(what), std::move(fix)};
}
Check fail(std::string name, std::string what, std::string fix) {
  return Check{std::move(name), Level::kFail, std::move(what), std::move(fix)};
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// What `agent --version` prints first, within a few seconds; "" when it cannot tell.
std::string agent_version_line(const fs::path& agent) {
  auto process = agent::Process::spawn({{agent.string(), "--version"}, {}});
  if (!process) return "";
  std::string out;
  std::string err;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto more = (*process)->read(std::chrono::milliseconds(200), out, err);
    if (!more || !*more) break;
  }
  (*process)->stop(std::chrono::milliseconds(500));
  return out.substr(0, out.find('\n'));
}

Check check_agent(const std::string& agent) {
  auto path = agent::find_executable(agent);
  if (!path) {
    return fail("agent", *missing_agent_message(agent),
                "or set \"agent\" in the plan folder's ralph.json");
  }
  std::string line = agent_version_line(*path);
  std::smatch match;
  static const std::regex version(R"((\d+\.\d+\.\d+))");
  if (!std::regex_search(line, match, version)) {
    return warn(
        "agent",
        fmt::format("{} did not say its version (`{} --version` printed \"{}\")", path->string(),
                    agent, line),
        fmt::format("check it is Claude Code; ralph is tested with {}", tested_agent_version()));
  }
  if (match[1] != tested_agent_version()) {
    return warn("agent",
                fmt::format("{} is Claude Code {}; ralph is tested with {}", path->string(),
                            match[1].str(), tested_agent_version()),
                "model names and prices change between versions: `ralph validate` shows what "
                "each model is priced at; scripts/probe-prices.sh measures a version's prices");
  }
  return ok("agent", fmt::format("{} is Claude Code {}, the version ralph is tested with",
                                 path->string(), match[1].str()));
}

Check check_root() {
  if (::geteuid() != 0 || !env("IS_SANDBOX").empty()) {
    return ok("user", ::geteuid() == 0 ? "root, with IS_SANDBOX set" : "not root");
  }
  return fail("user",
              "running as root without IS_SANDBOX: Claude Code refuses "
              "--dangerously-skip-permissions then, so every iteration would fail",
              "run ralph as another user, or `export IS_SANDBOX=1` in a sandbox or container");
}

Check check_credentials() {
  for (const char* name :
       {"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"}) {
    if (!env(name).empty()) return ok("credentials", fmt::format("{} is set", name));
  }
  for (const char* name : {"CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX"}) {
    if (!env(name).empty()) {
      return ok("credentials", fmt::format("{} is set: the cloud provider's credentials", name));
    }
  }
  fs::path config = !env("CLAUDE_CONFIG_DIR").empty() ? fs::path(env("CLAUDE_CONFIG_DIR"))
                                                      : fs::path(env("HOME")) / ".claude";
  std::error_code ec;
  if (fs::is_regular_file(config / ".credentials.json", ec)) {
    return ok("credentials", fmt::format("Claude Code is logged in ({})",
                                         (config / ".credentials.json").string()));
  }
  return fail("credentials", "no ANTHROPIC_API_KEY, and Claude Code is not logged in",
              "export ANTHROPIC_API_KEY=..., or run `claude` once and log in");
}

void check_git(const Project& project, const plan::LoadedPlan* loaded, std::vector<Check>& checks) {
  if (!project.in_git) {
    checks.push_back(fail("git",
                          fmt::format("{} is not inside a git repository", project.root.string()),
                          "run `git init` and commit the plan"));
    return;
  }
  auto repo = git::Repository::open(project.root);
  if (!repo) {
    checks.push_back(fail("git", repo.message(), "open it with git to see what is wrong"));
    return;
  }
  if (auto signature = (*repo)->configured_signature()) {
    checks.push_back(
        ok("git identity", fmt::format("commits by {} <{}>", signature->name, signature->email)));
  } else {
    checks.push_back(warn("git identity",
                          "no user.name or user.email in git config: commits will be by "
                          "ralph <ralph@localhost>",
                          "git config user.name \"...\" && git config user.email ..."));
  }
  auto branch = (*repo)->branch();
  std::string wanted = loaded != nullptr ? loaded->plan.branch_name : "";
  if (!branch) {
    checks.push_back(fail("branch", branch.message(), "check the repository with git"));
  } else if (!wanted.empty()) {
    checks.push_back(ok(
        "branch",
        fmt::format("the run works on {} (branchName), {}", wanted,
                    *branch == wanted ? "checked out" : "checked out or created when it starts")));
  } else if (branch->empty()) {
    checks.push_back(warn("branch", "HEAD is detached: the run would commit on no branch",
                          "git switch BRANCH, or set \"branchName\" in prd.json"));
  } else {
    checks.push_back(ok("branch", fmt::format("the run works on {}", *branch)));
  }
  if (auto changed = (*repo)->changed_files(); changed && !changed->empty()) {
    checks.push_back(
        warn("work tree",
             fmt::format("{} uncommitted change{} (e.g. {}): the first iteration's "
                         "commit would take them",
                         changed->size(), changed->size() == 1 ? "" : "s", changed->front()),
             "commit or stash them first"));
  }
}

Check check_disk(const fs::path& root) {
  struct statvfs info {};
  fs::path where = root / ".ralph";
  std::error_code ec;
  if (!fs::exists(where, ec)) where = root;
  if (::statvfs(where.c_str(), &info) != 0) {
    return warn("disk", fmt::format("cannot tell the free space at {}", where.string()),
                "check the file system");
  }
  const double free_bytes = static_cast<double>(info.f_bavail) * static_cast<double>(info.f_frsize);
  const double gib = free_bytes / (1024.0 * 1024 * 1024);
  std::string what = fmt::format("{:.1f} GiB free for {}", gib, where.string());
  // Stream files of long iterations run to tens of MB; the cost log grows by ~1 KB each.
  if (gib < 0.1) return fail("disk", what, "free some space: a full disk stops the run");
  if (gib < 1) return warn("disk", what, "a long run's stream files need room");
  return ok("disk", what);
}

void check_plan(const Project& project, plan::Problems& problems, std::vector<Check>& checks) {
  if (problems.empty()) {
    checks.push_back(ok("plan", fmt::format("{} is valid", project.plan.display_dir)));
    return;
  }
  checks.push_back(fail("plan",
                        fmt::format("{} problem{}, the first: {}", problems.size(),
                                    problems.size() == 1 ? "" : "s", problems.front().to_string()),
                        "`ralph validate` lists them all"));
}

Check check_hooks(const Project& project, const plan::LoadedPlan& loaded) {
  size_t count = 0;
  for (const auto& [event, hooks] : loaded.config.hooks) count += hooks.size();
  if (count == 0) return ok("hooks", "none configured");
  plan::Problems problems;
  plan::check_hook_files(project.plan, loaded.config, project.root, problems);
  if (!problems.empty()) {
    return fail("hooks", problems.front().to_string(), "chmod +x the hook, or fix its path");
  }
  return ok("hooks",
            fmt::format("{} hook{}, each an executable file", count, count == 1 ? "" : "s"));
}

void check_prices(const Project& project, const plan::LoadedPlan& loaded,
                  std::vector<Check>& checks) {
  for (const auto& price : model_price_sources(project.plan, loaded)) {
    const std::string name = "price of " + price.label;
    if (price.known()) {
      checks.push_back(ok(name, price.source));
    } else {
      checks.push_back(warn(name, price.source,
                            fmt::format("give it a \"pricing\" entry in {}, or re-probe the "
                                        "table with scripts/probe-prices.sh",
                                        project.plan.display("ralph.json"))));
    }
  }
}

Check check_ledger(const std::optional<std::string>& setting) {
  auto ledger = budget::Ledger::open(setting, [](const char* name) { return std::getenv(name); });
  if (!ledger->shared()) {
    return ok("ledger", fmt::format("{} (this user's, on this machine)", ledger->where()));
  }
  if (Status s = ledger->refresh(); !s) {
    return fail("ledger", s.message(),
                "check the URL, that the server runs, and the role's grants (README \"A shared "
                "ledger in PostgreSQL\"); until it answers, runs with a calendar cap wait");
  }
  const std::string what =
      fmt::format("{} answers: {} record{} of every loop", ledger->where(),
                  ledger->entries().size(), ledger->entries().size() == 1 ? "" : "s");
  const std::string location =
      budget::ledger_location(setting, [](const char* name) { return std::getenv(name); });
  if (budget::lacks_verified_tls(location)) {
    return warn("ledger", what + ", over the network without sslmode=verify-full",
                "add ?sslmode=verify-full to the URL (and the server's CA as ~/.postgresql/"
                "root.crt, or sslrootcert=)");
  }
  return ok("ledger", what);
}

Check check_subreaper() {
  if (Status s = agent::check_subreaper_support(); !s) {
    return warn("processes",
                s.message() +
                    ": processes the agent's tools leave are found by "
                    "their RALPH_PROCESS_TAG only",
                "use Linux 3.4 or later");
  }
  return ok("processes", "ralph can be the subreaper of everything the agent starts");
}

}  // namespace

std::vector<Check> run_checks(const std::string& plan_dir) {
  std::vector<Check> checks;
  auto project = locate_project(plan_dir);
  if (!project) {
    checks.push_back(fail("plan", project.message(), "run ralph in your project, or pass --plan"));
    return checks;
  }
  plan::Problems problems;
  auto loaded = plan::load_plan_folder(project->plan, problems);
  const std::string agent = loaded ? *loaded->config.settings.text("agent") : "claude";
  checks.push_back(check_agent(agent));
  checks.push_back(check_root());
  checks.push_back(check_credentials());
  check_git(*project, loaded ? &*loaded : nullptr, checks);
  check_plan(*project, problems, checks);
  if (loaded) {
    check_prices(*project, *loaded, checks);
    checks.push_back(check_hooks(*project, *loaded));
  }
  checks.push_back(check_disk(project->root));
  checks.push_back(check_ledger(loaded ? loaded->config.settings.text("ledger") : std::nullopt));
  checks.push_back(check_subreaper());
  return checks;
}

std::string level_name(Level level) {
  switch (level) {
    case Level::kOk:
      return "ok";
    case Level::kWarn:
      return "warn";
    case Level::kFail:
      return "fail";
  }
  return "fail";
}

bool any_failed(const std::vector<Check>& checks) {
  return std::any_of(checks.begin(), checks.end(),
                     [](const Check& c) { return c.level == Level::kFail; });
}

std::string checks_text(const std::vector<Check>& checks) {
  std::string out;
  int failed = 0;
  int warned = 0;
  for (const auto& check : checks) {
    failed += check.level == Level::kFail;
    warned += check.level == Level::kWarn;
    out += fmt::format("{:<5} {}: {}{}\n", level_name(check.level), check.name, check.what,
                       check.fix.empty() ? "" : fmt::format(" ({})", check.fix));
  }
  if (failed > 0) {
    out += fmt::format("doctor: {} failed, {} warning{}: fix what failed before `ralph run`\n",
                       failed, warned, warned == 1 ? "" : "s");
  } else {
    out += fmt::format(
        "doctor: ready for `ralph run`{}\n",
        warned > 0 ? fmt::format(" ({} warning{})", warned, warned == 1 ? "" : "s") : "");
  }
  return out;
}

nlohmann::json checks_json(const std::vector<Check>& checks) {
  nlohmann::json list = nlohmann::json::array();
  int failed = 0;
  int warned = 0;
  for (const auto& check : checks) {
    failed += check.level == Level::kFail;
    warned += check.level == Level::kWarn;
    list.push_back(
        {{"name", check.name},
         {"status", level_name(check.level)},
         {"what", check.what},
         {"fix", check.fix.empty() ? nlohmann::json(nullptr) : nlohmann::json(check.fix)}});
  }
  return {{"checks", list}, {"ok", failed == 0}, {"failures", failed}, {"warnings", warned}};
}

std::string tested_agent_version() {
  return RALPH_TESTED_AGENT_VERSION;
}

}  // namespace ralph::cli
