// `ralph init [--force]`: write the plan template and keep .ralph/ out of git.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/project.hpp"
#include "cli/template.hpp"
#include "util/fs.hpp"

namespace ralph::cli {

namespace fs = std::filesystem;

namespace {

// Adds ".ralph/" to the repository's .gitignore unless it is there already.
Status ignore_state_folder(const fs::path& root, bool& added) {
  fs::path path = root / ".gitignore";
  std::string content;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto text = read_file(path);
    if (!text) return text.error();
    content = std::move(*text);
  }
  for (size_t at = 0; at < content.size();) {
    size_t end = content.find('\n', at);
    std::string line = content.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line == ".ralph/" || line == ".ralph" || line == "/.ralph/" || line == "/.ralph") {
      return ok_status();
    }
    if (end == std::string::npos) break;
    at = end + 1;
  }
  if (!content.empty() && content.back() != '\n') content += '\n';
  content += ".ralph/\n";
  added = true;
  return write_file_atomic(path, content);
}

}  // namespace

int run_init(const InitArgs& args) {
  auto project = locate_project(args.plan_dir);
  if (!project) return fail(1, project.message());
  const auto& dir = project->plan.dir;

  std::vector<std::string> existing;
  for (const auto& file : plan_template()) {
    std::error_code ec;
    if (fs::exists(dir / file.name, ec)) {
      existing.push_back(project->plan.display(std::string(file.name).c_str()));
    }
  }
  if (!existing.empty() && !args.force) {
    return fail(2, fmt::format("{} already exist{}: nothing was written (use --force to "
                               "overwrite)",
                               fmt::join(existing, ", "), existing.size() == 1 ? "s" : ""));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(1, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  for (const auto& file : plan_template()) {
    if (Status s = write_file_atomic(dir / file.name, file.content); !s) {
      return fail(1, s.message());
    }
    fmt::print("wrote {}\n", project->plan.display(std::string(file.name).c_str()));
  }
  bool added = false;
  if (Status s = ignore_state_folder(project->root, added); !s) return fail(1, s.message());
  if (added) fmt::print("added .ralph/ to .gitignore\n");
  if (!project->in_git) {
    fmt::print(stderr,
               "ralph: note: {} is not a git repository yet: run `git init` before "
               "`ralph run`\n",
               project->root.string());
  }
  fmt::print("next: edit {} and {}, then `ralph validate` and `ralph run --budget 5`\n",
             project->plan.display("prd.json"), project->plan.display("PROMPT.md"));
  return 0;
}

}  // namespace ralph::cli
