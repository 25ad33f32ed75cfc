// The real Vcs: a git repository through libgit2.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "git/secret_files.hpp"
#include "git/vcs.hpp"

struct git_repository;
struct git_index;
struct git_tree;

namespace ralph::git {

class Repository final : public Vcs {
 public:
  // Opens the repository whose work tree holds `path`.
  static Result<std::unique_ptr<Repository>> open(const std::filesystem::path& path);
  ~Repository() override;

  std::filesystem::path workdir() const;
  // The author git config gives (user.name, user.email), or nullopt when it gives none: then
  // commits are by `ralph <ralph@localhost>`.
  std::optional<Signature> configured_signature() const;

  Result<std::string> head() override;
  Status use_branch(const std::string& branch) override;
  Result<std::string> worktree_id() override;
  Result<CommitResult> commit_all(const std::string& message) override;
  Result<std::vector<std::string>> changed_files() override;
  // Which secret-looking files may be committed (globs from ralph.json).
  void set_secret_policy(SecretFilePolicy policy) { secrets_ = std::move(policy); }
  // Whether a changed file's content holds a secret (an API key from the environment, say):
  // such a file is held back like a secret-looking one unless the policy allows it.
  void set_content_check(std::function<bool(std::string_view)> check) {
    content_check_ = std::move(check);
  }
  Result<std::vector<std::string>> commits_between(const std::string& from,
                                                   const std::string& to) override;
  Result<std::string> branch() override;
  Result<bool> has_branch(const std::string& branch) override;
  Result<bool> contains(const std::string& branch, const std::string& commit) override;
  Status attach_head(const std::string& branch, const std::string& base) override;
  Status pin(const std::string& name, const std::string& commit) override;

 private:
  explicit Repository(git_repository* repo) : repo_(repo) {}
  git_repository* repo_;
  // Unstages changed files whose content fails the check; their paths go to `held_back`.
  Status hold_back_secret_contents(git_index* index, git_tree* head_tree,
                                   std::vector<std::string>& held_back);
  SecretFilePolicy secrets_{{}};
  std::function<bool(std::string_view)> content_check_;
};

// Path prefixes ralph never stages.
bool is_ralph_private(const std::string& path);

}  // namespace ralph::git
