// Fakes for the loop's side effects: the agent, git and the clock.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/agent.hpp"
#include "agent/process_tree.hpp"
#include "git/vcs.hpp"
#include "loop/hook_runner.hpp"
#include "util/clock.hpp"

namespace ralph::testing {

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point wall_now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)) + offset;
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point() + offset;
  }
  void advance(std::chrono::milliseconds by) { offset += by; }
  std::chrono::milliseconds offset{0};
};

// What one scripted iteration does.
struct AgentScript {
  std::vector<std::string> lines;           // printed one per read
  std::function<std::string(int)> endless;  // when set: line k after `lines`, forever
  std::function<void()> on_launch;          // side effects: edit files, mark the tree dirty
  int exit_code = 0;
  std::chrono::milliseconds per_read{10};  // fake time each read takes
  // After `lines`: stdout stays open with nothing more on it (a hanging or lingering agent).
  bool silent_after = false;
  // The agent itself exits after `lines`, but something holds its stdout open.
  bool exits_after = false;
};

class FakeAgent final : public agent::AgentLauncher {
 public:
  FakeAgent(FakeClock& clock) : clock_(clock) {}
  std::deque<AgentScript> scripts;
  std::vector<agent::LaunchSpec> launches;
  int stops = 0;
  std::chrono::milliseconds last_grace{-1};
  bool fail_launch = false;

  Result<std::unique_ptr<agent::AgentProcess>> launch(const agent::LaunchSpec& spec) override {
    launches.push_back(spec);
    if (fail_launch) return make_error("cannot start claude: No such file or directory");
    AgentScript script;
    if (!scripts.empty()) {
      script = std::move(scripts.front());
      scripts.pop_front();
    }
    if (script.on_launch) script.on_launch();
    return std::unique_ptr<agent::AgentProcess>(new Process(std::move(script), *this));
  }

 private:
  class Process final : public agent::AgentProcess {
   public:
    Process(AgentScript script, FakeAgent& owner) : script_(std::move(script)), owner_(owner) {}
    Result<bool> read(std::chrono::milliseconds, std::string& out, std::string&) override {
      owner_.clock_.advance(script_.per_read);
      if (next_ < script_.lines.size()) {
        out += script_.lines[next_++] + "\n";
        return true;
      }
      if (script_.endless) {
        out += script_.endless(static_cast<int>(next_++)) + "\n";
        return true;
      }
      return script_.silent_after || script_.exits_after;
    }
    void await_exit() override {}
    bool exited() override { return script_.exits_after && next_ >= script_.lines.size(); }
    void stop(std::chrono::milliseconds grace, const std::function<bool()>&) override {
      ++owner_.stops;
      owner_.last_grace = grace;
      stopped_ = true;
    }
    int wait() override { return stopped_ ? 143 : script_.exit_code; }
    int pid() const override { return 0; }

   private:
    AgentScript script_;
    FakeAgent& owner_;
    size_t next_ = 0;
    bool stopped_ = false;
  };
  FakeClock& clock_;
};

class FakeVcs final : public git::Vcs {
 public:
  bool dirty = false;  // the work tree has uncommitted changes
  int tree_version = 0;
  std::string head_id;
  std::vector<std::string> messages;
  std::string branch_name = "main";  // the branch HEAD is on
  bool fail_commit = false;
  std::set<std::string> lost;               // commits an agent's reset took off the branch
  std::set<std::string> deleted;            // branches an agent deleted
  std::vector<std::string> attached;        // attach_head calls: the branch,
  std::vector<std::string> attached_at;     // and the base for a missing one
  std::map<std::string, std::string> pins;  // refs/ralph/... -> commit

  Result<std::string> head() override { return head_id; }
  Status use_branch(const std::string& name) override {
    branch_name = name;
    return ok_status();
  }
  Result<std::string> branch() override { return branch_name; }
  Result<bool> has_branch(const std::string& name) override { return !deleted.count(name); }
  Result<bool> contains(const std::string&, const std::string& commit) override {
    return !lost.count(commit);
  }
  Status attach_head(const std::string& name, const std::string& base) override {
    attached.push_back(name);
    attached_at.push_back(base);
    deleted.erase(name);
    branch_name = name;
    return ok_status();
  }
  Status pin(const std::string& name, const std::string& commit) override {
    pins[name] = commit;
    return ok_status();
  }
  Result<std::string> worktree_id() override {
    ++walks;
    return std::to_string(tree_version);
  }
  int walks = 0;  // calls of worktree_id
  Result<git::CommitResult> commit_all(const std::string& message) override {
    if (fail_commit) return make_error("cannot create the commit: index.lock exists");
    if (!dirty) return git::CommitResult{};
    dirty = false;
    messages.push_back(message);
    head_id = "c" + std::to_string(messages.size());
    return git::CommitResult{head_id, {}, std::to_string(tree_version)};
  }
  Result<std::vector<std::string>> changed_files() override {
    if (!dirty) return std::vector<std::string>();
    return std::vector<std::string>{"work.txt"};
  }
  Result<std::vector<std::string>> commits_between(const std::string&,
                                                   const std::string&) override {
    return std::vector<std::string>();
  }
  // What an agent edit does to the tree.
  void touch() {
    dirty = true;
    ++tree_version;
  }
};

// Records every sweep; each returns what `strays` holds next (then nothing).
class FakeSweeper final : public agent::ProcessSweeper {
 public:
  std::vector<agent::SweepSpec> specs;
  std::deque<std::vector<agent::StrayProcess>> strays;

  std::vector<agent::StrayProcess> sweep(const agent::SweepSpec& spec) override {
    specs.push_back(spec);
    if (strays.empty()) return {};
    auto next = strays.front();
    strays.pop_front();
    return next;
  }
};

// Records every hook call; each returns what `results` holds for its hook (scripted in
// order, the last one repeating), else success.
class FakeHookRunner final : public loop::HookRunner {
 public:
  struct Call {
    std::string hook;
    nlohmann::json payload;
  };
  std::vector<Call> calls;
  std::map<std::string, std::deque<loop::HookResult>> results;
  std::function<void(const Call&)> on_run;  // e.g. to look at the loop's state at the time

  loop::HookResult run(const std::string& hook, const nlohmann::json& payload) override {
    calls.push_back({hook, payload});
    if (on_run) on_run(calls.back());
    auto it = results.find(hook);
    if (it == results.end() || it->second.empty()) return loop::HookResult{};
    loop::HookResult result = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return result;
  }
  // The payloads of `event`, in order.
  std::vector<nlohmann::json> payloads(const std::string& event) const {
    std::vector<nlohmann::json> out;
    for (const auto& call : calls) {
      if (call.payload.value("event", "") == event) out.push_back(call.payload);
    }
    return out;
  }
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& call : calls) out.push_back(call.payload.value("event", ""));
    return out;
  }
};

// A failed hook run, as the real runner reports it.
inline loop::HookResult failed_hook(int exit_code, std::string output) {
  loop::HookResult result;
  result.status = loop::HookResult::Status::kFailed;
  result.exit_code = exit_code;
  result.output = std::move(output);
  return result;
}

}  // namespace ralph::testing
