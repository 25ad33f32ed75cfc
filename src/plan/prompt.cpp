#include "plan/prompt.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "util/suggest.hpp"

namespace ralph::plan {

const std::vector<std::string>& prompt_placeholders() {
  static const std::vector<std::string> names = {
      "plan_dir",   "prd_file",         "progress_file",       "item_id",
      "item_title", "item_description", "acceptance_criteria", "iteration",
      "run_id"};
  return names;
}

PromptValues prompt_values(const std::string& plan_dir, const PlanItem& item, int iteration,
                           const std::string& run_id) {
  std::string criteria;
  for (const auto& criterion : item.acceptance_criteria) criteria += "- " + criterion + "\n";
  return {{"plan_dir", plan_dir},
          {"prd_file", plan_dir + "/prd.json"},
          {"progress_file", plan_dir + "/progress.txt"},
          {"item_id", item.id},
          {"item_title", item.title},
          {"item_description", item.description},
          {"acceptance_criteria", criteria},
          {"iteration", std::to_string(iteration)},
          {"run_id", run_id}};
}

namespace {

// Calls `visit(name, offset)` for each {{name}} in the template.
template <class Visit>
void for_each_placeholder(std::string_view templ, Visit visit) {
  size_t at = 0;
  while ((at = templ.find("{{", at)) != std::string_view::npos) {
    size_t end = templ.find("}}", at + 2);
    if (end == std::string_view::npos) return;
    std::string_view name = templ.substr(at + 2, end - at - 2);
    bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (plain) {
      visit(std::string(name), at, end + 2);
      at = end + 2;
    } else {
      at += 2;
    }
  }
}

}  // namespace

std::string render_prompt(std::string_view templ, const PromptValues& values) {
  std::string out;
  size_t copied = 0;
  for_each_placeholder(templ, [&](const std::string& name, size_t begin, size_t end) {
    auto it = values.find(name);
    if (it == values.end()) return;
    out.append(templ.substr(copied, begin - copied));
    out.append(it->second);
    copied = end;
  });
  out.append(templ.substr(copied));
  return out;
}

void check_prompt(std::string_view templ, const std::string& file_name, Problems& problems) {
  const auto& known = prompt_placeholders();
  for_each_placeholder(templ, [&](const std::string& name, size_t begin, size_t) {
    if (std::find(known.begin(), known.end(), name) != known.end()) return;
    std::string hint = closest_name(name, known);
    problems.push_back(Problem{
        file_name, text_pos_at(templ, begin),
        hint.empty()
            ? fmt::format("unknown placeholder {{{{{}}}}}: the placeholders are {}", name,
                          fmt::join(known, ", "))
            : fmt::format("unknown placeholder {{{{{}}}}}: did you mean {{{{{}}}}}?", name, hint)});
  });
}

}  // namespace ralph::plan
