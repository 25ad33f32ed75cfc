// The run's branch, kept as the run's whatever git the agent runs (README "Commits"): every
// commit of an iteration pinned as refs/ralph/<run>/<iteration>, a rewrite of the branch (a
// reset, a rebase, an amend, a deletion) flagged, and a HEAD the agent moved put back.
#pragma once

#include <optional>
#include <string>

#include "git/vcs.hpp"
#include "loop/display.hpp"

namespace ralph::loop {

class RunBranch {
 public:
  // `config_file` is where `on_history_rewrite` is set ("plans/ralph.json"), for messages.
  RunBranch(git::Vcs& vcs, Display& display, std::string config_file)
      : vcs_(vcs), display_(display), config_file_(std::move(config_file)) {}

  // The run and its branch ("" when the run works on a detached HEAD).
  void start(std::string run_id, std::string branch);
  const std::string& name() const { return branch_; }

  // What the cost log says of an earlier iteration of the run (on a resume): its commit, or
  // that it rewrote the branch (then none of ralph's earlier commits is known to be on it).
  void recorded(int iteration, const std::optional<std::string>& commit, bool rewritten);

  // Before an iteration's work is committed: whether the agent rewrote the branch (said once
  // per rewrite); HEAD is put back on the branch if the agent moved it. Failures are said too.
  bool keep();

  // After a commit of iteration `iteration`: pins it; `ralphs` when ralph made it (then it is
  // what the next keep() looks for on the branch).
  void pin(int iteration, const std::string& commit, bool ralphs);

 private:
  void warn(const std::string& text) { display_.note("ralph: warning: " + text); }

  git::Vcs& vcs_;
  Display& display_;
  std::string config_file_;
  std::string run_id_;
  std::string branch_;
  std::string last_commit_;  // ralph's newest commit of the run known to be on the branch
  int last_iteration_ = 0;
};

}  // namespace ralph::loop
