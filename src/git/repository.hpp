// The real Vcs: a git repository through libgit2.
#pragma once

#include <filesystem>
#include <memory>

#include "git/vcs.hpp"

struct git_repository;

namespace ralph::git {

class Repository final : public Vcs {
 public:
  // Opens the repository whose work tree holds `path`.
  static Result<std::unique_ptr<Repository>> open(const std::filesystem::path& path);
  ~Repository() override;

  std::filesystem::path workdir() const;

  Result<std::string> head() override;
  Status use_branch(const std::string& branch) override;
  Result<std::string> worktree_id() override;
  Result<std::optional<std::string>> commit_all(const std::string& message) override;
  Result<std::vector<std::string>> commits_between(const std::string& from,
                                                   const std::string& to) override;

 private:
  explicit Repository(git_repository* repo) : repo_(repo) {}
  git_repository* repo_;
};

// Path prefixes ralph never stages.
bool is_ralph_private(const std::string& path);

}  // namespace ralph::git
