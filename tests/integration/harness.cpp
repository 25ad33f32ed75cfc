#include "harness.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cstring>
#include <fstream>
#include <thread>

#include "agent/proc_table.hpp"
#include "agent/process.hpp"

extern char** environ;

namespace ralph::integration {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::string CommandResult::last_line() const {
  std::string text = out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

fs::path claude_path() {
  if (const char* env = std::getenv("RALPH_CLAUDE"); env != nullptr && *env != '\0') return env;
  return fs::path(RALPH_SOURCE_DIR) / "tests/support/node_modules/.bin/claude";
}

Harness::Harness(const std::string& scenario) {
  std::string templ = (fs::temp_directory_path() / "ralph-it-XXXXXX").string();
  root_ = ::mkdtemp(templ.data());
  repo_ = root_ / "repo";
  home_ = root_ / "home";
  fs::create_directories(repo_);
  fs::create_directories(home_);
  api_ = std::make_unique<fake_api::ScriptedApi>(fake_api::load_scenario(
      fs::path(RALPH_SOURCE_DIR) / "tests/integration/scenarios" / (scenario + ".json")));
  api_->start();
  git({"init", "-q", "-b", "main"});
  git({"config", "user.name", "Test Person"});
  git({"config", "user.email", "test@example.com"});
  write("README.md", "# sample\n");
  write(".gitignore", ".ralph/\n");
  commit_all("Initial commit");
}

Harness::~Harness() {
  api_->stop();
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "kept %s for inspection\n", root_.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
}

void Harness::write(const std::string& relative, const std::string& content) const {
  fs::path file = repo_ / relative;
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << content;
}

std::string Harness::read(const std::string& relative) const {
  return slurp(repo_ / relative);
}

void Harness::write_plan(int count) const {
  std::string stories;
  for (int i = 1; i <= count; ++i) {
    stories += fmt::format(
        R"({}    {{"id": "US-{:03}", "title": "Item {}", "description": "Do thing {}.",
      "acceptanceCriteria": ["thing {} works"], "priority": {}, "passes": false}})",
        i > 1 ? ",\n" : "", i, i, i, i, i);
  }
  write("plans/prd.json",
        "{\n  \"project\": \"sample\",\n  \"userStories\": [\n" + stories + "\n  ]\n}\n");
  write("plans/progress.txt", "");
  write("plans/PROMPT.md", slurp(fs::path(RALPH_SOURCE_DIR) / "plans-template/PROMPT.md"));
}

void Harness::add_plan(int count) const {
  write_plan(count);
  commit_all("Add the plan");
}

void Harness::commit_all(const std::string& message) const {
  git({"add", "-A"});
  git({"commit", "-q", "-m", message});
}

std::map<std::string, std::string> Harness::agent_env() const {
  std::map<std::string, std::string> env = {
      {"HOME", home_.string()},
      // The user-level ledger of each test is its own (under its HOME).
      {"XDG_STATE_HOME", (home_ / ".local" / "state").string()},
      {"ANTHROPIC_BASE_URL", api_->base_url()},
      {"ANTHROPIC_API_KEY", "sk-test-key"},
      {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"},
      {"DISABLE_AUTOUPDATER", "1"},
      {"IS_SANDBOX", "1"},
      {"PATH", claude_path().parent_path().string() + ":" + std::getenv("PATH")}};
  for (const auto& [name, value] : extra_env_) env[name] = value;
  return env;
}

CommandResult Harness::ralph(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {RALPH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, agent_env());
}

CommandResult Harness::shell(const std::string& script) const {
  return run({"sh", "-c", script}, agent_env());
}

CommandResult Harness::git(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {{"HOME", home_.string()}});
}

CommandResult Harness::run(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env) const {
  return finish(spawn(argv, env, "last"), "last");
}

int Harness::start_ralph(const std::vector<std::string>& args, const std::string& tag) const {
  std::vector<std::string> argv = {RALPH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn(argv, agent_env(), tag);
}

int Harness::start(const std::vector<std::string>& argv, const std::string& tag) const {
  return spawn(argv, agent_env(), tag);
}

int Harness::spawn(const std::vector<std::string>& argv,
                   const std::map<std::string, std::string>& env, const std::string& tag) const {
  // The test's own environment, less anything that would point the agent elsewhere.
  std::vector<std::string> entries;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (env.count(name) || name.rfind("ANTHROPIC_", 0) == 0 || name.rfind("CLAUDE", 0) == 0 ||
        name == "RALPH_LEDGER" || name == "RALPH_TEST_WALL_CLOCK") {
      continue;
    }
    entries.push_back(entry);
  }
  for (const auto& [name, value] : env) entries.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  // Resolved before fork: only async-signal-safe calls may follow it in a threaded process.
  if (auto found = agent::find_executable(args[0])) args[0] = found->string();
  std::vector<char*> argp;
  for (auto& arg : args) argp.push_back(arg.data());
  argp.push_back(nullptr);

  fs::path out = root_ / (tag + ".stdout");
  fs::path err = root_ / (tag + ".stderr");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();  // no controlling terminal: what runs never reaches the developer's terminal
    int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (::chdir(repo_.c_str()) != 0) ::_exit(127);
    ::execve(argp[0], argp.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

CommandResult Harness::finish(int pid, const std::string& tag) const {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(root_ / (tag + ".stdout"));
  result.err = slurp(root_ / (tag + ".stderr"));
  return result;
}

CommandResult Harness::finish_or_kill(int pid, const std::string& tag,
                                      std::chrono::milliseconds grace) const {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      CommandResult result;
      result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      result.out = slurp(root_ / (tag + ".stdout"));
      result.err = slurp(root_ / (tag + ".stderr"));
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  return finish(pid, tag);
}

bool Harness::wait_for_output(const std::string& tag, const std::string& text,
                              std::chrono::milliseconds timeout) const {
  // The file grows as the command prints; look again until it holds the text or time is up.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (slurp(root_ / (tag + ".stdout")).find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<nlohmann::json> Harness::records() const {
  std::vector<nlohmann::json> records;
  std::ifstream in(repo_ / ".ralph/iterations.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) records.push_back(nlohmann::json::parse(line));
  }
  return records;
}

nlohmann::json Harness::agent_result(const std::string& run_id, int iteration) const {
  std::ifstream in(repo_ / ".ralph/runs" / run_id / fmt::format("{}.stream.jsonl", iteration));
  nlohmann::json result;
  for (std::string line; std::getline(in, line);) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.value("type", "") == "result") result = parsed;
  }
  return result;
}

std::vector<int> Harness::leftover_processes() const {
  std::vector<int> pids;
  const std::string marker = "HOME=" + home_.string();
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto process = agent::read_process(std::stoi(name));
    if (!process || process->zombie()) continue;
    std::string environment = slurp(entry.path() / "environ");
    for (size_t at = 0; at < environment.size();) {
      size_t end = environment.find('\0', at);
      if (environment.compare(at, end - at, marker) == 0) {
        pids.push_back(process->pid);
        break;
      }
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
  return pids;
}

bool Harness::wait_for_file(const fs::path& path, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::error_code ec;
    if (fs::file_size(path, ec) > 0 && !ec) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

fs::path Harness::write_wrapper(const std::string& after) const {
  fs::path wrapper = root_ / "claude-wrapper.sh";
  std::ofstream(wrapper) << "#!/bin/sh\n"
                         << "# Keeps a copy of what Claude Code prints, as users' wrappers do.\n"
                         << "claude \"$@\" | tee \"" << (root_ / "copy.jsonl").string() << "\"\n"
                         << after << "\n";
  fs::permissions(wrapper, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  return wrapper;
}

}  // namespace ralph::integration
