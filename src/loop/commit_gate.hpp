// The pre_commit gate (README "Hooks") and what a rejected iteration leaves behind: its work stays
// uncommitted in the work tree, the items it marked passing fail again (the loop retries them
// instead of halting `complete` on rejected work), and progress.txt tells the next iteration
// why.
#pragma once

#include <string>
#include <vector>

#include "git/vcs.hpp"
#include "loop/display.hpp"
#include "loop/hook_runner.hpp"
#include "loop/hooks.hpp"
#include "meter/record.hpp"
#include "plan/plan_folder.hpp"
#include "util/result.hpp"

namespace ralph::loop {

// Runs the pre_commit hooks when there are changes to commit. When one fails, the record
// becomes `rejected` (`rejected_by`, `rejected_items`, no `items_completed`), its items fail
// again in prd.json, progress.txt and the display say so, and false is returned: commit
// nothing. True: commit.
bool pass_commit_gate(Hooks& hooks, git::Vcs& vcs, const plan::PlanFolder& plan, Display& display,
                      meter::IterationRecord& record);

// Sets `"passes"` of the items `ids` in prd.json to `passes` (back to false for rejected work;
// true for an item merged from its worktree), editing only those literals so the rest of the
// file stays as it was written.
Status set_items_passes(const plan::PlanFolder& folder, const std::vector<std::string>& ids,
                        bool passes);

// Appends a note on the rejection to progress.txt: which hook, what it printed last, and that
// the changes are still in the work tree.
Status note_rejection(const plan::PlanFolder& folder, int iteration, const std::string& hook,
                      const HookResult& result, const std::vector<std::string>& items);

}  // namespace ralph::loop
