#include "cli/project.hpp"

#include <git2.h>

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "plan/config.hpp"
#include "util/fs.hpp"

namespace ralph::cli {

namespace fs = std::filesystem;

namespace {

// Whether a repository's config sets core.worktree or core.bare = true, so that its work tree
// is not simply the folder holding `.git`.
bool config_moves_work_tree(const fs::path& config) {
  auto text = read_file(config);
  if (!text) return true;  // libgit2 decides
  std::string_view rest(*text);
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string line(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    std::erase_if(line, [](char c) { return c == ' ' || c == '\t'; });
    std::transform(line.begin(), line.end(), line.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (line.rfind("worktree", 0) == 0) return true;
    if (line == "bare" || line == "bare=true" || line == "bare=yes" || line == "bare=on" ||
        line == "bare=1") {
      return true;
    }
  }
  return false;
}

// The folder holding the nearest `.git` folder above `cwd` (on the same file system), when
// that is plainly the work tree, as libgit2 would find it; none when libgit2 must decide (a
// `.git` file of a linked worktree or a submodule, a config that moves the work tree) or there
// is no repository. This spares every command libgit2's start-up, which loads the system's
// TLS certificates: milliseconds, a tenth of what `ralph costs` takes on a large log.
std::optional<fs::path> plain_work_tree(const fs::path& cwd, bool& undecided) {
  undecided = false;
  struct stat here {};
  if (::stat(cwd.c_str(), &here) != 0) {
    undecided = true;
    return std::nullopt;
  }
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || st.st_dev != here.st_dev) return std::nullopt;
    const fs::path dot_git = dir / ".git";
    if (::lstat(dot_git.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode) || config_moves_work_tree(dot_git / "config")) {
        undecided = true;
        return std::nullopt;
      }
      struct stat head {};
      if (::stat((dot_git / "HEAD").c_str(), &head) == 0) return dir;
    }
    if (dir == dir.parent_path()) return std::nullopt;
  }
}

void discover_with_libgit2(const fs::path& cwd, Project& project) {
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
}

Project with_plan_folder(Project project, const fs::path& cwd, const std::string& plan_dir) {
  fs::path dir = fs::path(plan_dir).is_absolute() ? fs::path(plan_dir) : cwd / plan_dir;
  project.plan.dir = dir.lexically_normal();
  if (!project.plan.dir.has_filename()) project.plan.dir = project.plan.dir.parent_path();
  fs::path relative = project.plan.dir.lexically_relative(project.root);
  project.plan.display_dir = relative.empty() || relative.string().rfind("..", 0) == 0
                                 ? project.plan.dir.string()
                                 : relative.string();
  return project;
}

}  // namespace

Result<Project> locate_project(const std::string& plan_dir) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (ec) return make_error("cannot read the current folder: " + ec.message());
  Project project;
  project.root = cwd;
  bool undecided = false;
  if (auto work_tree = plain_work_tree(cwd, undecided)) {
    project.root = *work_tree;
    project.in_git = true;
  } else if (undecided) {
    discover_with_libgit2(cwd, project);
  }
  return with_plan_folder(std::move(project), cwd, plan_dir);
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
