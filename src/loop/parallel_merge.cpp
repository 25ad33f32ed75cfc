// The merges of items run side by side (README "Items side by side"): an item's branch into the
// run's, without what its agent changed of the plan files, then the plan updated by ralph.
#include <fmt/format.h>

#include "loop/commit_gate.hpp"
#include "loop/parallel.hpp"
#include "util/fs.hpp"

namespace ralph::loop {

namespace fs = std::filesystem;

namespace {

std::string merge_name(git::MergeKind kind) {
  switch (kind) {
    case git::MergeKind::kUpToDate:
      return "nothing to merge";
    case git::MergeKind::kFastForward:
      return "a fast-forward";
    case git::MergeKind::kRebased:
      return "its commits replayed";
    case git::MergeKind::kMergeCommit:
      return "a merge commit";
    case git::MergeKind::kConflict:
      return "a conflict";
  }
  return "";
}

}  // namespace

std::string ParallelRun::attempt_name(const RunState::Worktree& tree) {
  // '+' is no character of an item id: "auth+2" is never the item "auth-2"'s.
  return tree.attempt <= 1 ? tree.item : fmt::format("{}+{}", tree.item, tree.attempt);
}

std::string ParallelRun::conflict_heading(const std::string& item) {
  return fmt::format("\n## ralph: the merge of {} conflicted\n", item);
}

std::string ParallelRun::conflict_note(const RunState::Worktree& tree, const std::string& branch,
                                       const std::string& run_branch) {
  return conflict_heading(tree.item) +
         fmt::format(
             "The work of its last try is on branch {}, which could not be merged into {}: it "
             "conflicts in {}. This worktree starts again from {} as it is now: do the item "
             "again on top of it (that branch shows what was tried).\n",
             branch, run_branch, fmt::join(tree.conflicts, ", "), run_branch);
}

Result<bool> ParallelRun::merge(RunState::Worktree& tree) {
  const fs::path path = worktree_path(tree.item);
  const std::string prd = plan_rel_ + "/prd.json";
  const std::string progress = plan_rel_ + "/progress.txt";
  // What the agent appended to progress.txt, less ralph's own note on a conflict.
  std::string appended;
  auto now = read_file(path / progress);
  auto base = deps_.repo.file_at(tree.base, progress);
  if (!base) return base.error();
  const std::string before = base->value_or("");
  if (now && now->compare(0, before.size(), before) == 0) appended = now->substr(before.size());
  if (const std::string heading = conflict_heading(tree.item);
      tree.conflicted > 0 && appended.compare(0, heading.size(), heading) == 0) {
    size_t end = appended.find('\n', heading.size());  // the end of the note's paragraph
    appended.erase(0, end == std::string::npos ? appended.size() : end + 1);
  }
  const std::string message = fmt::format(
      "ralph({}): merge {}\n\nThe work of {} in run {}, from its worktree.\n\nRalph-Run: {}\n"
      "Ralph-Item: {}\n",
      tree.item, tree.branch, tree.item, state_.run_id, state_.run_id, tree.item);
  auto merged = deps_.repo.merge_into_head(tree.branch, message, {prd, progress});
  if (!merged) return make_error(fmt::format("cannot merge {}: {}", tree.branch, merged.message()));
  const std::string name = attempt_name(tree);
  if (merged->kind == git::MergeKind::kConflict) {
    tree.conflicts = merged->conflicts;
    ++tree.conflicted;
    tree.status = "conflict";
    (void)deps_.repo.remove_worktree(name);  // its branch keeps the work
    return false;
  }
  // The run's plan, on the run's branch: ralph's alone (the agents never merge it).
  if (Status s = set_items_passes(options_.plan, {tree.item}, true); !s) return s.error();
  if (!appended.empty()) {
    if (!appended.empty() && appended.front() != '\n') appended.insert(0, "\n");
    if (Status s = plan::append_progress_note(options_.plan, appended); !s) return s.error();
  }
  auto committed = deps_.repo.commit_all(fmt::format(
      "ralph({}): {} passes\n\nMerged from {} ({}).\n\nRalph-Run: {}\nRalph-Item: {}\n", tree.item,
      tree.item, tree.branch, merge_name(merged->kind), state_.run_id, tree.item));
  if (!committed) return make_error("cannot commit the plan: " + committed.message());
  if (Status s = deps_.repo.remove_worktree(name); !s) {
    deps_.display.note("ralph: warning: " + s.message());
  }
  tree.status = "merged";
  tree.detail = merge_name(merged->kind);
  return true;
}

}  // namespace ralph::loop
