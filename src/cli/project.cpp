#include "cli/project.hpp"

#include <git2.h>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "plan/config.hpp"
#include "util/fs.hpp"

namespace ralph::cli {

namespace fs = std::filesystem;

namespace {

// Whether a repository's config may set core.worktree or core.bare, or include other
// config files, so that its work tree need not be the folder holding `.git`. Erring towards
// yes: libgit2 then decides.
bool config_moves_work_tree(const fs::path& config) {
  auto text = read_file(config);
  if (!text) return true;
  std::string_view rest(*text);
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string line(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    line = line.substr(0, line.find_first_of(";#"));  // a comment
    std::erase_if(line, [](char c) { return c == ' ' || c == '\t' || c == '"'; });
    std::transform(line.begin(), line.end(), line.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (line.rfind("worktree", 0) == 0 || line.rfind("[include", 0) == 0) return true;
    if (line.rfind("bare", 0) == 0 && line != "bare=false" && line != "bare=no" &&
        line != "bare=off" && line != "bare=0") {
      return true;
    }
  }
  return false;
}

// A folder libgit2 takes for a repository: HEAD, objects/ and refs/ in it.
bool looks_like_git_dir(const fs::path& dir) {
  struct stat st {};
  return ::stat((dir / "HEAD").c_str(), &st) == 0 && ::stat((dir / "objects").c_str(), &st) == 0 &&
         S_ISDIR(st.st_mode) && ::stat((dir / "refs").c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The folder holding the nearest `.git` folder above `cwd` (on the same file system), when
// that is plainly the work tree, as libgit2 would find it; none when there is no repository,
// or (with `undecided` set) when libgit2 must decide: a `.git` file (a linked worktree, a
// submodule), a bare repository or the inside of `.git`, a config that may move the work
// tree, a repository another user owns (libgit2's safe.directory check). This spares the
// usual case libgit2's start-up, which loads the system's TLS certificates: milliseconds, a
// tenth of what `ralph costs` takes on a large log.
std::optional<fs::path> plain_work_tree(const fs::path& cwd, bool& undecided) {
  undecided = true;
  struct stat here {};
  if (::stat(cwd.c_str(), &here) != 0) return std::nullopt;
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return std::nullopt;
    if (st.st_dev != here.st_dev) break;  // libgit2 does not cross file systems either
    if (looks_like_git_dir(dir)) return std::nullopt;
    const fs::path dot_git = dir / ".git";
    if (::lstat(dot_git.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() ||
          config_moves_work_tree(dot_git / "config")) {
        return std::nullopt;
      }
      if (looks_like_git_dir(dot_git)) {
        undecided = false;
        return dir;
      }
    }
    if (dir == dir.parent_path()) break;
  }
  undecided = false;  // no repository
  return std::nullopt;
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
