#include "cli/project.hpp"

#include <git2.h>

#include <fmt/format.h>

#include "plan/config.hpp"
#include "util/fs.hpp"

namespace ralph::cli {

namespace fs = std::filesystem;

Result<Project> locate_project(const std::string& plan_dir) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (ec) return make_error("cannot read the current folder: " + ec.message());
  Project project;
  project.root = cwd;
  git_libgit2_init();
  git_buf found = GIT_BUF_INIT;
  if (git_repository_discover(&found, cwd.c_str(), 0, nullptr) == 0) {
    git_repository* repo = nullptr;
    if (git_repository_open(&repo, found.ptr) == 0) {
      if (const char* workdir = git_repository_workdir(repo)) {
        project.root = fs::path(workdir).lexically_normal();
        if (project.root.has_filename() == false) project.root = project.root.parent_path();
        project.in_git = true;
      }
      git_repository_free(repo);
    }
  }
  git_buf_dispose(&found);
  git_libgit2_shutdown();

  fs::path dir = fs::path(plan_dir).is_absolute() ? fs::path(plan_dir) : cwd / plan_dir;
  project.plan.dir = dir.lexically_normal();
  if (!project.plan.dir.has_filename()) project.plan.dir = project.plan.dir.parent_path();
  fs::path relative = project.plan.dir.lexically_relative(project.root);
  project.plan.display_dir = relative.empty() || relative.string().rfind("..", 0) == 0
                                 ? project.plan.dir.string()
                                 : relative.string();
  return project;
}

Result<plan::Settings> project_settings(const Project& project) {
  std::error_code ec;
  if (!fs::exists(project.plan.config_path(), ec)) return plan::Settings{};
  auto text = read_file(project.plan.config_path());
  if (!text) return text.error();
  plan::Problems problems;
  auto config = plan::parse_config(*text, project.plan.display("ralph.json"), problems);
  if (!config) return make_error(problems.front().to_string());
  return config->settings;
}

}  // namespace ralph::cli
