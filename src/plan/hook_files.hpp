// The executables plans/ralph.json names as hooks (README "Hooks"): where they are, and whether
// they can run. `ralph validate` and the start of `ralph run` check them before anything runs.
#pragma once

#include <filesystem>
#include <string>

#include "plan/config.hpp"
#include "plan/plan_folder.hpp"
#include "plan/problem.hpp"

namespace ralph::plan {

// A hook as configured: relative to the repository root, or absolute.
std::filesystem::path resolve_hook(const std::filesystem::path& repo_root, const std::string& hook);

// Appends a problem for every hook that is not an executable file.
void check_hook_files(const PlanFolder& folder, const Config& config,
                      const std::filesystem::path& repo_root, Problems& problems);

}  // namespace ralph::plan
