// A short digest of a text, to tell whether a file changed (not for security).
#pragma once

#include <string>
#include <string_view>

namespace ralph {

// 16 hex digits of the text's 64-bit FNV-1a hash.
std::string short_digest(std::string_view text);

}  // namespace ralph
