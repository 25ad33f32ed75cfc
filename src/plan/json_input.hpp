// A JSON file a person wrote, parsed once, with a way to report a problem at any value.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "plan/problem.hpp"
#include "util/json_text.hpp"

namespace ralph::plan {

class JsonInput {
 public:
  // Parses `text`; a syntax error is appended to `problems` and leaves doc() empty.
  JsonInput(std::string_view text, const std::string& file, Problems& problems);

  const std::optional<nlohmann::json>& doc() const { return doc_; }
  // A problem at the value a JSON pointer names ("" for the whole document).
  void problem(const std::string& pointer, std::string message);

 private:
  std::optional<nlohmann::json> doc_;
  JsonLocations locations_;
  const std::string& file_;
  Problems& problems_;
};

}  // namespace ralph::plan
