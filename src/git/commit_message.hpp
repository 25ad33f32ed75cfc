// The message of the commit ralph makes for an iteration (README "Commits").
#pragma once

#include <string>

#include "meter/record.hpp"

namespace ralph::git {

// `title` is the item's title ("" when the iteration had no item).
std::string commit_message(const meter::IterationRecord& record, const std::string& title);

}  // namespace ralph::git
