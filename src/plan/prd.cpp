#include "plan/prd.hpp"

#include "plan/json_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace ralph::plan {

using nlohmann::json;

namespace {

class Checker {
 public:
  explicit Checker(JsonInput& input) : input_(input) {}

  void problem(const std::string& pointer, std::string message) {
    input_.problem(pointer, std::move(message));
  }

  // Reads an optional string member; a value of another type is a problem.
  std::string string_member(const json& object, const std::string& pointer, const char* key,
                            bool required, const char* what_to_do) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
      if (required) problem(pointer, fmt::format("missing \"{}\": {}", key, what_to_do));
      return {};
    }
    if (!it->is_string()) {
      problem(pointer + "/" + key,
              fmt::format("\"{}\" must be a string, not {}", key, it->type_name()));
      return {};
    }
    if (required && it->get<std::string>().empty()) {
      problem(pointer + "/" + key, fmt::format("\"{}\" is empty: {}", key, what_to_do));
    }
    return it->get<std::string>();
  }

 private:
  JsonInput& input_;
};

std::optional<PlanItem> parse_item(const json& value, const std::string& pointer, Checker& check) {
  if (!value.is_object()) {
    check.problem(pointer,
                  fmt::format("each user story must be an object, not {}", value.type_name()));
    return std::nullopt;
  }
  PlanItem item;
  item.id = check.string_member(value, pointer, "id", true, "give every story a unique id");
  item.title = check.string_member(value, pointer, "title", true, "give every story a title");
  item.description = check.string_member(value, pointer, "description", false, "");
  std::string model = check.string_member(value, pointer, "model", false, "");
  if (!model.empty()) item.model = model;

  if (auto it = value.find("passes"); it == value.end()) {
    check.problem(pointer, "missing \"passes\": add \"passes\": false to a story not yet done");
  } else if (!it->is_boolean()) {
    check.problem(pointer + "/passes",
                  fmt::format("\"passes\" must be true or false, not {}", it->dump()));
  } else {
    item.passes = it->get<bool>();
  }

  if (auto it = value.find("priority"); it != value.end() && !it->is_null()) {
    if (!it->is_number()) {
      check.problem(pointer + "/priority",
                    fmt::format("\"priority\" must be a number, not {}", it->dump()));
    } else {
      item.priority = it->get<double>();
      item.has_priority = true;
    }
  }
  if (auto it = value.find("maxIterations"); it != value.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<long long>() < 1 ||
        it->get<long long>() > 1'000'000'000) {
      check.problem(pointer + "/maxIterations",
                    fmt::format("\"maxIterations\" must be a whole number of at least 1, not {}",
                                it->dump()));
    } else {
      item.max_iterations = static_cast<int>(it->get<long long>());
    }
  }
  if (auto it = value.find("budgetUsd"); it != value.end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() <= 0) {
      check.problem(pointer + "/budgetUsd",
                    fmt::format("\"budgetUsd\" must be a positive number of US dollars, like "
                                "2.50, not {}",
                                it->dump()));
    } else {
      item.budget_usd = it->get<double>();
    }
  }
  if (auto it = value.find("acceptanceCriteria"); it != value.end() && !it->is_null()) {
    if (!it->is_array()) {
      check.problem(pointer + "/acceptanceCriteria",
                    "\"acceptanceCriteria\" must be a list of strings");
    } else {
      for (const auto& criterion : *it) {
        item.acceptance_criteria.push_back(criterion.is_string() ? criterion.get<std::string>()
                                                                 : criterion.dump());
      }
    }
  }
  return item;
}

}  // namespace

std::optional<Plan> parse_plan(std::string_view text, const std::string& file_name,
                               Problems& problems) {
  size_t problems_before = problems.size();
  JsonInput input(text, file_name, problems);
  if (!input.doc()) return std::nullopt;
  const json& doc = *input.doc();
  Checker check(input);
  if (!doc.is_object()) {
    check.problem("", "the plan must be a JSON object with a \"userStories\" list");
    return std::nullopt;
  }

  Plan plan;
  plan.project = check.string_member(doc, "", "project", false, "");
  plan.branch_name = check.string_member(doc, "", "branchName", false, "");

  auto stories = doc.find("userStories");
  if (stories == doc.end()) {
    check.problem("",
                  "missing \"userStories\": add a list of stories, each with id, title "
                  "and \"passes\": false");
  } else if (!stories->is_array()) {
    check.problem("/userStories", "\"userStories\" must be a list of stories");
  } else if (stories->empty()) {
    check.problem("/userStories", "\"userStories\" is empty: add at least one story");
  } else {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < stories->size(); ++i) {
      std::string pointer = fmt::format("/userStories/{}", i);
      auto item = parse_item((*stories)[i], pointer, check);
      if (!item) continue;
      if (!item->id.empty()) {
        if (auto [it, inserted] = seen.emplace(item->id, i); !inserted) {
          check.problem(pointer + "/id",
                        fmt::format("duplicate id \"{}\" (also story {}): ids must be unique",
                                    item->id, it->second + 1));
        }
      }
      plan.items.push_back(std::move(*item));
    }
  }
  if (problems.size() != problems_before) return std::nullopt;
  return plan;
}

const PlanItem* next_item(const Plan& plan, const std::set<std::string>& skip) {
  const PlanItem* best = nullptr;
  for (const auto& item : plan.items) {
    if (item.passes || skip.count(item.id)) continue;
    if (best == nullptr) {
      best = &item;
      continue;
    }
    bool better = item.has_priority && (!best->has_priority || item.priority < best->priority);
    if (better) best = &item;
  }
  return best;
}

std::set<std::string> passing_ids(const Plan& plan) {
  std::set<std::string> ids;
  for (const auto& item : plan.items) {
    if (item.passes) ids.insert(item.id);
  }
  return ids;
}

bool all_pass(const Plan& plan) {
  return std::all_of(plan.items.begin(), plan.items.end(),
                     [](const PlanItem& item) { return item.passes; });
}

}  // namespace ralph::plan
