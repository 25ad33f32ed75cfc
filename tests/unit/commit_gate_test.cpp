// What a rejection leaves in the plan folder: items failing again, edited in place, and a note
// for the next iteration in progress.txt.
#include "loop/commit_gate.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace ralph::loop {
namespace {

TEST(CommitGateTest, SetsOnlyTheRejectedItemsBackToFailingAndKeepsTheFileAsWritten) {
  testing::TempDir dir;
  const std::string before = R"({
  // written by a person, then by the agent
  "project": "x",
  "userStories": [
    {"id": "US-1", "title": "a", "passes" :   true, "notes": "passes: true"},
    {"id": "US-2", "title": "b",
     "passes":true,
     "verificationCommands": ["make test"]},
    {"id": "US-3", "title": "c", "passes": true}
  ]
}
)";
  dir.write("plans/prd.json", before);
  plan::PlanFolder folder{dir.path() / "plans", "plans"};
  ASSERT_TRUE(set_items_passes(folder, {"US-1", "US-2", "US-9"}, false));
  std::string expected = before;
  expected.replace(expected.find("true, \"notes\""), 4, "false");
  expected.replace(expected.find("\"passes\":true"), 13, "\"passes\":false");
  EXPECT_EQ(dir.read("plans/prd.json"), expected);
  // And back: an item merged from its worktree passes (README "Running many loops").
  ASSERT_TRUE(set_items_passes(folder, {"US-1", "US-2"}, true));
  EXPECT_EQ(dir.read("plans/prd.json"), before);
}

TEST(CommitGateTest, NotesTheRejectionForTheNextIteration) {
  testing::TempDir dir;
  dir.write("plans/progress.txt", "US-1: started");
  plan::PlanFolder folder{dir.path() / "plans", "plans"};
  HookResult result;
  result.status = HookResult::Status::kFailed;
  result.exit_code = 2;
  result.output = "FAIL test_a\n1 failed";
  ASSERT_TRUE(note_rejection(folder, 4, "hooks/test-gate.sh", result, {"US-1"}));
  EXPECT_EQ(dir.read("plans/progress.txt"),
            "US-1: started\n"
            "## ralph: iteration 4 was rejected by the pre_commit hook hooks/test-gate.sh\n"
            "The hook exited with 2. The iteration's changes were NOT committed: they are still "
            "in the work tree. Fix what the hook reports; ralph commits them with the next "
            "iteration that the hook accepts.\n"
            "Set back to \"passes\": false: US-1.\n"
            "The hook's last output:\n"
            "    FAIL test_a\n"
            "    1 failed\n");
}

}  // namespace
}  // namespace ralph::loop
