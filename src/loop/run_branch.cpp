#include "loop/run_branch.hpp"

#include <fmt/format.h>

namespace ralph::loop {

void RunBranch::start(std::string run_id, std::string branch) {
  run_id_ = std::move(run_id);
  branch_ = std::move(branch);
}

void RunBranch::recorded(int iteration, const std::optional<std::string>& commit, bool rewritten) {
  if (commit) {
    last_commit_ = *commit;
    last_iteration_ = iteration;
  } else if (rewritten) {
    last_commit_.clear();  // reported then: nothing of ralph's is known to be on the branch
  }
}

bool RunBranch::keep() {
  const std::string shown = branch_.empty() ? "HEAD" : branch_;
  const std::string base = last_commit_;  // where a deleted branch is recreated
  bool rewritten = false;
  if (!last_commit_.empty()) {
    const std::string commit = fmt::format("ralph's commit {} of iteration {}",
                                           last_commit_.substr(0, 10), last_iteration_);
    const std::string kept_as = fmt::format(
        "it is kept as refs/ralph/{}/{} (\"on_history_rewrite\": \"halt\" in {} stops the run "
        "instead)",
        run_id_, last_iteration_, config_file_);
    auto exists = branch_.empty() ? Result<bool>(true) : vcs_.has_branch(branch_);
    auto holds = exists && *exists ? vcs_.contains(branch_, last_commit_) : Result<bool>(false);
    if (!exists || !holds) {
      warn(fmt::format("cannot tell whether the agent rewrote {}: {}", shown,
                       !exists ? exists.message() : holds.message()));
    } else if (!*exists) {
      rewritten = true;
      warn(fmt::format("the agent deleted branch {}: ralph recreates it at {}; {}", branch_, commit,
                       kept_as));
    } else if (!*holds) {
      rewritten = true;
      warn(fmt::format("the agent rewrote the history of {}: {} is no longer on it; {}", shown,
                       commit, kept_as));
    }
    if (rewritten) last_commit_.clear();  // reported once
  }
  if (branch_.empty()) return rewritten;
  auto now_on = vcs_.branch();
  if (!now_on) {
    warn(fmt::format("cannot tell which branch HEAD is on: {}", now_on.message()));
    return rewritten;
  }
  if (*now_on == branch_) return rewritten;
  auto head = vcs_.head();
  std::string where = now_on->empty()
                          ? fmt::format("a detached HEAD at {}", head ? head->substr(0, 10) : "?")
                          : "branch " + *now_on;
  if (Status s = vcs_.attach_head(branch_, base); !s) {
    warn(fmt::format("the agent moved HEAD to {}, and ralph could not put it back on {}: {}", where,
                     branch_, s.message()));
    return rewritten;
  }
  warn(fmt::format(
      "the agent moved HEAD to {}; ralph put it back on {}, the run's branch, and "
      "commits the work tree there as the agent left it{}",
      where, branch_, now_on->empty() ? "" : fmt::format(" ({} is left as it is)", *now_on)));
  return rewritten;
}

void RunBranch::pin(int iteration, const std::string& commit, bool ralphs) {
  const std::string ref = fmt::format("refs/ralph/{}/{}", run_id_, iteration);
  if (Status s = vcs_.pin(ref, commit); !s) warn(s.message());
  if (ralphs) {
    last_commit_ = commit;
    last_iteration_ = iteration;
  }
}

}  // namespace ralph::loop
