#include "plan/prd.hpp"

#include "plan/json_input.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>

#include "util/suggest.hpp"

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
  if (auto it = value.find("dependsOn"); it != value.end() && !it->is_null()) {
    if (!it->is_array()) {
      check.problem(pointer + "/dependsOn",
                    fmt::format("\"dependsOn\" must be a list of item ids, like [\"US-001\"], "
                                "not {}",
                                it->dump()));
    } else {
      for (size_t i = 0; i < it->size(); ++i) {
        const json& id = (*it)[i];
        if (!id.is_string() || id.get<std::string>().empty()) {
          check.problem(fmt::format("{}/dependsOn/{}", pointer, i),
                        fmt::format("each id in \"dependsOn\" must be a non-empty string, not {}",
                                    id.dump()));
        } else if (std::find(item.depends_on.begin(), item.depends_on.end(), id) ==
                   item.depends_on.end()) {
          item.depends_on.push_back(id.get<std::string>());
        }
      }
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

// Every "dependsOn" names another item of the plan, and no item depends on itself through
// others: a cycle would never start.
void check_dependencies(const Plan& plan, const json& stories, Checker& check) {
  std::map<std::string, size_t> index;
  std::vector<std::string> ids;
  for (size_t i = 0; i < plan.items.size(); ++i) {
    index.emplace(plan.items[i].id, i);
    ids.push_back(plan.items[i].id);
  }
  auto pointer_of = [&](size_t item, size_t dependency) {
    const json& listed = stories[item]["dependsOn"];
    for (size_t k = 0; k < listed.size(); ++k) {
      if (listed[k] == plan.items[item].depends_on[dependency]) {
        return fmt::format("/userStories/{}/dependsOn/{}", item, k);
      }
    }
    return fmt::format("/userStories/{}/dependsOn", item);
  };
  bool unknown = false;
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const auto& item = plan.items[i];
    for (size_t d = 0; d < item.depends_on.size(); ++d) {
      const std::string& id = item.depends_on[d];
      if (id == item.id) {
        check.problem(pointer_of(i, d), fmt::format("{} depends on itself: remove \"{}\"", id, id));
        unknown = true;
      } else if (!index.count(id)) {
        std::vector<std::string> others;  // an item is never the one it should depend on
        std::copy_if(ids.begin(), ids.end(), std::back_inserter(others),
                     [&item](const std::string& other) { return other != item.id; });
        std::string close = closest_name(id, others);
        check.problem(
            pointer_of(i, d),
            fmt::format("{} depends on \"{}\", which is not an item of the plan{}", item.id, id,
                        close.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", close)));
        unknown = true;
      }
    }
  }
  if (unknown) return;
  // Depth-first search with a stack of its own (a plan may chain thousands of items); an item
  // met again while still on the path closes a cycle, named from where it starts.
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> mark(plan.items.size(), Mark::kNew);
  std::vector<std::pair<size_t, size_t>> path;  // item, its next dependency to look at
  for (size_t root = 0; root < plan.items.size(); ++root) {
    if (mark[root] != Mark::kNew) continue;
    path.emplace_back(root, 0);
    mark[root] = Mark::kOnPath;
    while (!path.empty()) {
      auto& [i, d] = path.back();
      const auto& deps = plan.items[i].depends_on;
      if (d == deps.size()) {
        mark[i] = Mark::kDone;
        path.pop_back();
        continue;
      }
      const size_t item = i;
      const size_t dependency = d++;
      const size_t next = index.at(deps[dependency]);
      if (mark[next] == Mark::kNew) {
        mark[next] = Mark::kOnPath;
        path.emplace_back(next, 0);
      } else if (mark[next] == Mark::kOnPath) {
        std::vector<std::string> cycle;
        auto from = std::find_if(path.begin(), path.end(),
                                 [next](const auto& step) { return step.first == next; });
        for (auto it = from; it != path.end(); ++it) cycle.push_back(plan.items[it->first].id);
        cycle.push_back(plan.items[next].id);
        check.problem(pointer_of(item, dependency),
                      fmt::format("\"dependsOn\" makes a cycle, so none of its items could "
                                  "start: {}; remove one of these",
                                  fmt::join(cycle, " -> ")));
        return;
      }
    }
  }
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
    // Items map to stories by position only when every story was an object.
    if (plan.items.size() == stories->size()) check_dependencies(plan, *stories, check);
  }
  if (problems.size() != problems_before) return std::nullopt;
  return plan;
}

const PlanItem* next_item(const Plan& plan, const std::set<std::string>& skip) {
  const PlanItem* best = nullptr;
  for (const auto& item : plan.items) {
    if (item.passes || skip.count(item.id) || unmet_dependency(plan, item) != nullptr) continue;
    if (best == nullptr) {
      best = &item;
      continue;
    }
    bool better = item.has_priority && (!best->has_priority || item.priority < best->priority);
    if (better) best = &item;
  }
  return best;
}

const PlanItem* unmet_dependency(const Plan& plan, const PlanItem& item) {
  for (const auto& id : item.depends_on) {
    for (const auto& other : plan.items) {
      if (other.id == id && !other.passes) return &other;
    }
  }
  return nullptr;
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
