// What the worktrees of a run of items side by side share (README "Running many loops"), in
// .ralph/runs/<run>/pool/: the run's iteration numbers and its iteration limit, claimed under
// flock so N loops never start more iterations than the limit, and what each worktree spent,
// recorded and live, so the run's cap counts every worktree's spend at every metered turn.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace ralph::budget {

// The pool's name for what the run spent outside worktrees: iterations of the run before it
// was resumed with --parallel. No item has it ("<item>+N" names an item's later worktree).
inline constexpr const char* kOutsideWorktrees = "+run";

class RunPool {
 public:
  explicit RunPool(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }

  // When the run starts or resumes: it has `count` iterations on its log, the last numbered
  // `last`. Claims made before (by loops a crash left no record of) are kept.
  Status seed(int count, int last);
  // The next iteration's number, counted against `max_iterations`; none when the run has
  // started that many.
  Result<std::optional<int>> claim_iteration(int max_iterations);
  // The iterations claimed so far.
  Result<int> claimed() const;

  // What the worktree of `item` spent in the run so far, its running iteration included.
  void publish(const std::string& item, double usd);
  // What every worktree but `item`'s spent ("": every worktree).
  double spent_except(const std::string& item) const;

 private:
  // Runs `change` on the iteration counter (claimed, last) under the pool's lock.
  Result<std::optional<int>> with_counter(
      const std::function<std::optional<int>(int& claimed, int& last)>& change) const;

  std::filesystem::path dir_;
  double published_ = -1;
};

}  // namespace ralph::budget
