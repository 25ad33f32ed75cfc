#include "budget/run_pool.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <fmt/format.h>

#include <cstdlib>
#include <functional>

#include "util/fd.hpp"
#include "util/fs.hpp"

namespace ralph::budget {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSpent = ".usd";

}  // namespace

Result<std::optional<int>> RunPool::with_counter(
    const std::function<std::optional<int>(int& claimed, int& last)>& change) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return make_error(fmt::format("cannot create {}: {}", dir_.string(), ec.message()));
  const fs::path lock_path = dir_ / "lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid() || ::flock(lock.get(), LOCK_EX) != 0) {
    return make_error(fmt::format("cannot lock {}: {}", lock_path.string(), errno_text(errno)));
  }
  int claimed = 0;
  int last = 0;
  const fs::path counter = dir_ / "iterations";
  if (auto text = read_file(counter)) {
    if (std::sscanf(text->c_str(), "%d %d", &claimed, &last) != 2) {
      return make_error(fmt::format("{}: not two counts", counter.string()));
    }
  }
  const int was_claimed = claimed;
  const int was_last = last;
  std::optional<int> out = change(claimed, last);
  if ((claimed != was_claimed || last != was_last) &&
      !write_file_atomic(counter, fmt::format("{} {}\n", claimed, last))) {
    return make_error(fmt::format("cannot write {}", counter.string()));
  }
  return out;
}

Status RunPool::seed(int count, int last) {
  auto seeded = with_counter([&](int& claimed, int& highest) -> std::optional<int> {
    claimed = std::max(claimed, count);
    highest = std::max(highest, last);
    return std::nullopt;
  });
  if (!seeded) return seeded.error();
  return ok_status();
}

Result<std::optional<int>> RunPool::claim_iteration(int max_iterations) {
  return with_counter([&](int& claimed, int& last) -> std::optional<int> {
    if (claimed >= max_iterations) return std::nullopt;
    ++claimed;
    return ++last;
  });
}

Result<int> RunPool::claimed() const {
  int out = 0;
  auto read = with_counter([&](int& claimed, int&) -> std::optional<int> {
    out = claimed;
    return std::nullopt;
  });
  if (!read) return read.error();
  return out;
}

void RunPool::publish(const std::string& item, double usd) {
  if (usd == published_) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  // Read back with strtod: the shortest form that round-trips.
  if (replace_file(dir_ / (item + kSpent), fmt::format("{}\n", usd))) published_ = usd;
}

double RunPool::spent_except(const std::string& item) const {
  std::error_code ec;
  double sum = 0;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const fs::path& file = entry.path();
    if (file.extension() != kSpent || file.stem() == item) continue;
    if (auto text = read_file(file)) sum += std::strtod(text->c_str(), nullptr);
  }
  return sum;
}

}  // namespace ralph::budget
