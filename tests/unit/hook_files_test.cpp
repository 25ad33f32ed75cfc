// The hooks ralph.json names must be executable files, relative to the repository root.
#include "plan/hook_files.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace ralph::plan {
namespace {

TEST(HookFilesTest, EveryHookMustBeAnExecutableFile) {
  testing::TempDir dir;
  const std::string text = R"({
  "hooks": {
    "on_halt": ["hooks/ok.sh", "hooks/missing.sh"],
    "pre_commit": ["hooks/plain.txt", "hooks", "ABSOLUTE"]
  }
})";
  dir.write("hooks/ok.sh", "#!/bin/sh\n");
  ::chmod((dir.path() / "hooks/ok.sh").c_str(), 0755);
  dir.write("hooks/plain.txt", "not executable");
  const std::string absolute = (dir.path() / "hooks/ok.sh").string();
  std::string config_text = text;
  config_text.replace(config_text.find("ABSOLUTE"), 8, absolute);
  dir.write("plans/ralph.json", config_text);
  PlanFolder folder{dir.path() / "plans", "plans"};
  Problems problems;
  auto config = parse_config(config_text, "plans/ralph.json", problems);
  ASSERT_TRUE(config);
  check_hook_files(folder, *config, dir.path(), problems);
  std::vector<std::string> lines;
  for (const auto& p : problems) lines.push_back(p.to_string());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "plans/ralph.json:3:32: hooks.on_halt[1]: hooks/missing.sh does not exist "
                       "(hook paths are relative to the repository root)",
                       "plans/ralph.json:4:20: hooks.pre_commit[0]: hooks/plain.txt is not "
                       "executable (chmod +x hooks/plain.txt)",
                       "plans/ralph.json:4:39: hooks.pre_commit[1]: hooks is not a file"}));
}

TEST(HookFilesTest, RelativePathsAreFromTheRepositoryRoot) {
  EXPECT_EQ(resolve_hook("/repo", "hooks/x.sh"), std::filesystem::path("/repo/hooks/x.sh"));
  EXPECT_EQ(resolve_hook("/repo", "/opt/x"), std::filesystem::path("/opt/x"));
}

}  // namespace
}  // namespace ralph::plan
