#include "plan/plan_folder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "plan/prompt.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"

namespace ralph::plan {

namespace {

std::optional<std::string> read_required(const std::filesystem::path& path,
                                         const std::string& display, const char* what_to_do,
                                         Problems& problems) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    problems.push_back(
        Problem{display, std::nullopt, fmt::format("file not found: {}", what_to_do)});
    return std::nullopt;
  }
  auto text = read_file(path);
  if (!text) {
    problems.push_back(Problem{display, std::nullopt, text.message()});
    return std::nullopt;
  }
  return std::move(*text);
}

}  // namespace

std::optional<Plan> reload_plan(const PlanFolder& folder, Problems& problems) {
  auto text = read_required(folder.prd_path(), folder.display("prd.json"),
                            "run `ralph init` to create a plan, or pass --plan DIR", problems);
  if (!text) return std::nullopt;
  return parse_plan(*text, folder.display("prd.json"), problems);
}

std::optional<LoadedPlan> load_plan_folder(const PlanFolder& folder, Problems& problems) {
  size_t before = problems.size();
  LoadedPlan loaded{Plan{}, Config{}, std::string(), meter::PricingTable::builtin()};

  if (auto plan = reload_plan(folder, problems)) loaded.plan = std::move(*plan);

  if (auto prompt = read_required(folder.prompt_path(), folder.display("PROMPT.md"),
                                  "run `ralph init` to create one", problems)) {
    check_prompt(*prompt, folder.display("PROMPT.md"), problems);
    loaded.prompt_template = std::move(*prompt);
  }

  std::error_code ec;
  if (std::filesystem::exists(folder.config_path(), ec)) {
    auto text = read_file(folder.config_path());
    if (!text) {
      problems.push_back(Problem{folder.display("ralph.json"), std::nullopt, text.message()});
    } else if (auto config = parse_config(*text, folder.display("ralph.json"), problems)) {
      loaded.config = std::move(*config);
      if (Status s = loaded.pricing.apply_overrides(loaded.config.pricing); !s) {
        JsonLocations locations(*text);
        problems.push_back(
            Problem{folder.display("ralph.json"), locations.at("/pricing"), s.message()});
      }
    }
  }
  // Files in the order they were read; within a file, in the order a person reads it (JSON
  // objects come back with their keys sorted).
  std::vector<std::string> files;
  for (size_t i = before; i < problems.size(); ++i) {
    if (std::find(files.begin(), files.end(), problems[i].file) == files.end()) {
      files.push_back(problems[i].file);
    }
  }
  auto key = [&files](const Problem& p) {
    auto pos = p.pos.value_or(TextPos{0, 0});
    return std::tuple(std::find(files.begin(), files.end(), p.file) - files.begin(), pos.line,
                      pos.column);
  };
  std::stable_sort(problems.begin() + static_cast<std::ptrdiff_t>(before), problems.end(),
                   [&key](const Problem& a, const Problem& b) { return key(a) < key(b); });
  if (problems.size() != before) return std::nullopt;
  return loaded;
}

}  // namespace ralph::plan

namespace ralph::plan {

Status append_progress_note(const PlanFolder& folder, std::string_view note) {
  UniqueFd fd(
      ::open(folder.progress_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return make_error(
        fmt::format("cannot write {}: {}", folder.display("progress.txt"), errno_text(errno)));
  }
  for (std::string_view rest = note; !rest.empty();) {
    ssize_t n = ::write(fd.get(), rest.data(), rest.size());
    if (n <= 0) {
      return make_error(
          fmt::format("cannot write {}: {}", folder.display("progress.txt"), errno_text(errno)));
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

}  // namespace ralph::plan
