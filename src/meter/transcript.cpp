#include "meter/transcript.hpp"

#include <cctype>

namespace ralph::meter {

namespace fs = std::filesystem;

std::string claude_project_slug(const fs::path& working_dir) {
  std::string slug = working_dir.string();
  while (slug.size() > 1 && slug.back() == '/') slug.pop_back();
  for (char& c : slug) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  return slug;
}

std::optional<fs::path> find_transcript(const fs::path& home, const fs::path& working_dir,
                                        const std::string& session_id) {
  if (session_id.empty() || session_id.find('/') != std::string::npos) return std::nullopt;
  const fs::path projects = home / ".claude" / "projects";
  const std::string file = session_id + ".jsonl";
  std::error_code ec;
  for (const fs::path& dir : {working_dir, fs::weakly_canonical(working_dir, ec)}) {
    fs::path candidate = projects / claude_project_slug(dir) / file;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  // The slug rule may change between versions: the session id alone is unique.
  for (const auto& entry : fs::directory_iterator(projects, ec)) {
    fs::path candidate = entry.path() / file;
    if (fs::is_regular_file(candidate, ec)) return candidate;
  }
  return std::nullopt;
}

}  // namespace ralph::meter
