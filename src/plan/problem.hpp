// One problem found in the user's input, pointing at file, line and column.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/json_text.hpp"

namespace ralph::plan {

struct Problem {
  std::string file;
  std::optional<TextPos> pos;  // none: the file as a whole
  std::string message;         // what is wrong and what to do

  std::string to_string() const;
};

using Problems = std::vector<Problem>;

}  // namespace ralph::plan
