#include "plan/json_input.hpp"

namespace ralph::plan {

namespace {

std::optional<nlohmann::json> parse(std::string_view text, const std::string& file,
                                    Problems& problems) {
  JsonSyntaxError syntax;
  auto doc = parse_json_text(text, syntax);
  if (!doc) problems.push_back(Problem{file, syntax.pos, "invalid JSON: " + syntax.what});
  return doc;
}

}  // namespace

JsonInput::JsonInput(std::string_view text, const std::string& file, Problems& problems)
    : doc_(parse(text, file, problems)),
      locations_(doc_ ? text : std::string_view()),
      file_(file),
      problems_(problems) {}

void JsonInput::problem(const std::string& pointer, std::string message) {
  problems_.push_back(Problem{file_, locations_.at(pointer), std::move(message)});
}

}  // namespace ralph::plan
