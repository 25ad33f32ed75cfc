#include "plan/hook_files.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "util/fs.hpp"
#include "util/json_text.hpp"

namespace ralph::plan {

namespace fs = std::filesystem;

fs::path resolve_hook(const fs::path& repo_root, const std::string& hook) {
  fs::path path(hook);
  return path.is_absolute() ? path : repo_root / path;
}

void check_hook_files(const PlanFolder& folder, const Config& config, const fs::path& repo_root,
                      Problems& problems) {
  if (config.hooks.empty()) return;
  // Positions for the messages; the file parsed before, so it reads again.
  auto text = read_file(folder.config_path());
  JsonLocations locations(text ? std::string_view(*text) : std::string_view());
  const std::string file = folder.display("ralph.json");
  for (const auto& [event, hooks] : config.hooks) {
    for (size_t i = 0; i < hooks.size(); ++i) {
      const fs::path path = resolve_hook(repo_root, hooks[i]);
      std::error_code ec;
      std::string why;
      if (!fs::exists(path, ec)) {
        why = "does not exist (hook paths are relative to the repository root)";
      } else if (!fs::is_regular_file(path, ec)) {
        why = "is not a file";
      } else if (::access(path.c_str(), X_OK) != 0) {
        why = fmt::format("is not executable (chmod +x {})", hooks[i]);
      } else {
        continue;
      }
      problems.push_back(Problem{
          file,
          text ? std::optional(locations.at(fmt::format("/hooks/{}/{}", event, i))) : std::nullopt,
          fmt::format("hooks.{}[{}]: {} {}", event, i, hooks[i], why)});
    }
  }
}

}  // namespace ralph::plan
