// Claude Code's own transcript of a session: $HOME/.claude/projects/<slug>/<session>.jsonl.
// Its assistant lines carry each turn's final usage, which is how the cost of an iteration
// whose ralph was killed is recovered.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace ralph::meter {

// The folder name Claude Code uses for a working directory: every character that is not a
// letter or digit becomes '-' ("/tmp/my.app" -> "-tmp-my-app").
std::string claude_project_slug(const std::filesystem::path& working_dir);

// The transcript of `session_id` started in `working_dir`, if it exists under `home`.
std::optional<std::filesystem::path> find_transcript(const std::filesystem::path& home,
                                                     const std::filesystem::path& working_dir,
                                                     const std::string& session_id);

}  // namespace ralph::meter
