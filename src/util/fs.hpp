// File helpers with the durability the loop promises: atomic rewrites, synced appends.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace ralph {

// Reads a whole file. The error names the path and the reason.
Result<std::string> read_file(const std::filesystem::path& path);

// Replaces `path` with `content` atomically: temporary file, fsync, rename, fsync of the folder.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Replaces `path` with `content` atomically (temporary file, rename) but without fsync: for
// small files rewritten often that a crash may leave one write behind (live spend). False
// when it could not.
bool replace_file(const std::filesystem::path& path, std::string_view content);

// Appends `line` plus '\n' and fsyncs. If the file ends in a torn line (no final newline),
// a newline is written first so the torn fragment stays a line of its own.
Status append_line_synced(const std::filesystem::path& path, std::string_view line);

// The text of errno, for messages.
std::string errno_text(int err);

}  // namespace ralph
