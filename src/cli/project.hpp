// Where a command works: the repository root and the plan folder inside it.
#pragma once

#include <filesystem>
#include <string>

#include "plan/plan_folder.hpp"
#include "util/result.hpp"

namespace ralph::cli {

struct Project {
  std::filesystem::path root;  // the git work tree (or the current folder outside git)
  plan::PlanFolder plan;
  bool in_git = false;
};

// Finds the repository holding the current folder and resolves `plan_dir` (relative to the
// current folder) inside it.
Result<Project> locate_project(const std::string& plan_dir);

// The run settings of the plan's ralph.json (its defaults when there is none), for commands
// that read a few of them; a ralph.json with a problem is an error naming it.
Result<plan::Settings> project_settings(const Project& project);

}  // namespace ralph::cli
