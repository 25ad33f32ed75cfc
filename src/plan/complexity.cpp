#include "plan/complexity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "meter/cost_log.hpp"
#include "util/suggest.hpp"

namespace ralph::plan {

using nlohmann::json;

std::string complexity_name(Complexity level) {
  switch (level) {
    case Complexity::kLow:
      return "low";
    case Complexity::kMiddle:
      return "middle";
    case Complexity::kHigh:
      break;
  }
  return "high";
}

std::optional<Complexity> complexity_from_name(std::string_view name) {
  for (Complexity level : {Complexity::kLow, Complexity::kMiddle, Complexity::kHigh}) {
    if (name == complexity_name(level)) return level;
  }
  return std::nullopt;
}

// The defaults are README "Models"' table: what makes work small (a typo, a rename, words),
// ordinary (a bug, a test, a refactor) or large (architecture, migrations, security,
// concurrency). An item without any of them is scored by its criteria and its length.
const ComplexityRules& ComplexityRules::defaults() {
  static const ComplexityRules rules = [] {
    ComplexityRules r;
    r.keywords = {
        // Low.
        {"typo", -2},
        {"rename", -2},
        {"comment", -2},
        {"spelling", -1},
        {"wording", -1},
        {"docs", -1},
        {"documentation", -1},
        {"readme", -1},
        {"changelog", -1},
        {"cosmetic", -1},
        // Middle.
        {"refactor", 2},
        {"debug", 2},
        {"optimize", 2},
        {"performance", 2},
        {"integrate", 2},
        {"test", 1},
        {"bug", 1},
        {"fix", 1},
        // High.
        {"architect", 4},
        {"architecture", 4},
        {"migrate", 4},
        {"migration", 4},
        {"security", 4},
        {"concurrency", 4},
        {"concurrent", 4},
        {"distributed", 3},
        {"parallel", 3},
        {"deadlock", 3},
        {"redesign", 3},
        {"authentication", 3},
        {"encryption", 3},
    };
    r.per_criterion = 0.5;
    r.per_100_chars = 0.5;
    r.middle_from = 2;
    r.high_from = 5;
    return r;
  }();
  return rules;
}

namespace {

const std::vector<std::string>& rule_keys() {
  static const std::vector<std::string> keys = {"keywords", "per_criterion", "per_100_chars",
                                                "middle_from", "high_from"};
  return keys;
}

// A key as a JSON pointer token ("~" -> "~0", "/" -> "~1").
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  }
  return out;
}

// Letters and digits make words; bytes of UTF-8 sequences count as letters.
bool word_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u >= 0x80;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

// Calls `visit` with each word of `text`, in lower case.
template <typename Visit>
void for_each_word(std::string_view text, Visit&& visit) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !word_char(text[i])) ++i;
    size_t start = i;
    while (i < text.size() && word_char(text[i])) ++i;
    if (i > start) visit(lower(text.substr(start, i - start)));
  }
}

// The words a keyword matches: itself and its simple forms (ComplexityRules::keywords).
std::vector<std::string> keyword_forms(const std::string& keyword) {
  std::vector<std::string> forms = {keyword, keyword + "s", keyword + "es", keyword + "ing"};
  const char last = keyword.back();
  if (last == 'e') {
    forms.push_back(keyword + "d");
    forms.push_back(keyword.substr(0, keyword.size() - 1) + "ing");
  } else {
    forms.push_back(keyword + "ed");
    forms.push_back(keyword + last + "ed");
    forms.push_back(keyword + last + "ing");
  }
  return forms;
}

// Characters, not bytes: UTF-8 continuation bytes are not counted.
size_t char_count(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// "+4", "-2", "+1.5", "+0.63": a signed weight with at most two decimals.
std::string signed_number(double value) {
  std::string text = fmt::format("{:+.2f}", value);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text == "-0" ? "+0" : text;
}

bool read_number(const json& value, const std::string& key, double& out,
                 const std::function<void(const std::string&, std::string)>& problem) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    problem("/" + key,
            fmt::format("complexity_rules.{}: must be a number, not {}", key, value.dump()));
    return false;
  }
  out = value.get<double>();
  return true;
}

void read_keywords(const json& value, ComplexityRules& rules,
                   const std::function<void(const std::string&, std::string)>& problem) {
  if (!value.is_object()) {
    problem("/keywords", fmt::format("complexity_rules.keywords: must be an object of words and "
                                     "their weights, like {{\"typo\": -2}}, not {}",
                                     value.dump()));
    return;
  }
  for (const auto& [word, weight] : value.items()) {
    const std::string pointer = "/keywords/" + pointer_token(word);
    if (word.empty() || !std::all_of(word.begin(), word.end(), word_char)) {
      problem(pointer, fmt::format("complexity_rules.keywords.{}: a keyword must be one word of "
                                   "letters and digits, like \"migrate\"",
                                   word));
      continue;
    }
    if (!weight.is_number() || !std::isfinite(weight.get<double>())) {
      problem(pointer, fmt::format("complexity_rules.keywords.{}: the weight must be a number "
                                   "(0 takes the word out), not {}",
                                   word, weight.dump()));
      continue;
    }
    const double w = weight.get<double>();
    if (w == 0) {
      rules.keywords.erase(lower(word));
    } else {
      rules.keywords[lower(word)] = w;
    }
  }
}

}  // namespace

void read_complexity_rules(
    const json& value, ComplexityRules& rules,
    const std::function<void(const std::string& pointer, std::string message)>& problem) {
  if (!value.is_object()) {
    problem("", fmt::format("\"complexity_rules\" must be an object with any of {}, not {}",
                            fmt::join(rule_keys(), ", "), value.dump()));
    return;
  }
  bool thresholds_read = true;  // both are numbers, so they can be compared
  for (const auto& [key, entry] : value.items()) {
    if (key == "keywords") {
      read_keywords(entry, rules, problem);
    } else if (key == "per_criterion" || key == "per_100_chars" || key == "middle_from" ||
               key == "high_from") {
      double& out = key == "per_criterion"   ? rules.per_criterion
                    : key == "per_100_chars" ? rules.per_100_chars
                    : key == "middle_from"   ? rules.middle_from
                                             : rules.high_from;
      const bool read = read_number(entry, key, out, problem);
      if (!read && (key == "middle_from" || key == "high_from")) thresholds_read = false;
    } else {
      std::string hint = closest_name(key, rule_keys());
      problem("/" + pointer_token(key),
              hint.empty() ? fmt::format("complexity_rules: unknown key \"{}\": the keys are {}",
                                         key, fmt::join(rule_keys(), ", "))
                           : fmt::format("complexity_rules: unknown key \"{}\": did you mean "
                                         "\"{}\"?",
                                         key, hint));
    }
  }
  if (thresholds_read && rules.high_from <= rules.middle_from) {
    problem(value.contains("high_from") ? "/high_from" : "/middle_from",
            fmt::format("complexity_rules: high_from ({}) must be greater than middle_from ({})",
                        rules.high_from, rules.middle_from));
  }
}

Estimate estimate_complexity(const PlanItem& item, const ComplexityRules& rules) {
  // Each form a keyword matches -> the keywords it stands for.
  std::map<std::string, std::vector<const std::string*>> forms;
  for (const auto& [keyword, weight] : rules.keywords) {
    if (keyword.empty() || weight == 0) continue;
    for (auto& form : keyword_forms(keyword)) forms[std::move(form)].push_back(&keyword);
  }

  Estimate estimate;
  std::vector<std::string> parts;
  std::set<const std::string*> counted;
  auto scan = [&](std::string_view text) {
    for_each_word(text, [&](const std::string& word) {
      auto found = forms.find(word);
      if (found == forms.end()) return;
      for (const std::string* keyword : found->second) {
        if (!counted.insert(keyword).second) continue;
        const double weight = rules.keywords.at(*keyword);
        estimate.score += weight;
        parts.push_back(fmt::format("\"{}\" {}", *keyword, signed_number(weight)));
      }
    });
  };
  scan(item.title);
  scan(item.description);
  for (const auto& criterion : item.acceptance_criteria) scan(criterion);

  const size_t criteria = item.acceptance_criteria.size();
  const double from_criteria = rules.per_criterion * static_cast<double>(criteria);
  if (criteria > 0 && from_criteria != 0) {
    estimate.score += from_criteria;
    parts.push_back(fmt::format("{} acceptance criteri{} {}", criteria, criteria == 1 ? "on" : "a",
                                signed_number(from_criteria)));
  }
  const size_t chars = char_count(item.description);
  const double from_length = rules.per_100_chars * static_cast<double>(chars) / 100;
  if (chars > 0 && from_length != 0) {
    estimate.score += from_length;
    parts.push_back(fmt::format("{}-character description {}", chars, signed_number(from_length)));
  }

  estimate.level = estimate.score >= rules.high_from     ? Complexity::kHigh
                   : estimate.score >= rules.middle_from ? Complexity::kMiddle
                                                         : Complexity::kLow;
  estimate.why = fmt::format("score {:.1f}: {} -> {}", estimate.score,
                             parts.empty() ? std::string("no keyword, criterion or description")
                                           : fmt::format("{}", fmt::join(parts, ", ")),
                             complexity_name(estimate.level));
  return estimate;
}

std::string estimate_summary(const Estimate& estimate) {
  std::string_view why = estimate.why;
  const std::string suffix = " -> " + complexity_name(estimate.level);
  if (why.size() >= suffix.size() && why.substr(why.size() - suffix.size()) == suffix) {
    why.remove_suffix(suffix.size());
  }
  return fmt::format("{} ({})", complexity_name(estimate.level), why);
}

std::map<Complexity, LevelHistory> learn_history(const std::vector<meter::IterationRecord>& log,
                                                 const Plan& plan, const ComplexityRules& rules) {
  // One item in one run, its records up to the one that made it pass.
  struct Attempt {
    int iterations = 0;
    double cost_usd = 0;
    std::optional<std::string> complexity;
    bool passed = false;
    std::optional<int> tier;
  };
  std::map<std::pair<std::string, std::string>, Attempt> attempts;
  for (const auto& record : log) {
    if (record.item_id) {
      Attempt& attempt = attempts[{record.run_id, *record.item_id}];
      if (!attempt.passed) {
        ++attempt.iterations;
        attempt.cost_usd += record.cost_usd;
        if (!attempt.complexity) attempt.complexity = record.complexity;
      }
    }
    // An item may pass in another item's iteration: then only its own iterations count, and
    // without any it is not counted at all.
    for (const auto& id : record.items_completed) {
      auto found = attempts.find({record.run_id, id});
      if (found == attempts.end() || found->second.passed || found->second.iterations == 0) {
        continue;
      }
      found->second.passed = true;
      found->second.tier = record.tier;
    }
  }

  struct Sums {
    LevelHistory history;
    std::vector<int> tiers;
  };
  std::map<Complexity, Sums> sums;
  for (const auto& [key, attempt] : attempts) {
    if (!attempt.passed) continue;
    std::optional<Complexity> level;
    if (attempt.complexity) level = complexity_from_name(*attempt.complexity);
    if (!level) {
      const std::string& id = key.second;  // a lambda cannot capture a structured binding
      auto item = std::find_if(plan.items.begin(), plan.items.end(),
                               [&id](const PlanItem& i) { return i.id == id; });
      if (item == plan.items.end()) continue;
      level = estimate_complexity(*item, rules).level;
    }
    Sums& sum = sums[*level];
    ++sum.history.items;
    sum.history.iterations += attempt.iterations;
    sum.history.cost_usd += attempt.cost_usd;
    if (attempt.tier) sum.tiers.push_back(*attempt.tier);
  }

  std::map<Complexity, LevelHistory> out;
  for (auto& [level, sum] : sums) {
    LevelHistory history = sum.history;
    history.iterations /= history.items;
    history.cost_usd /= history.items;
    history.items_with_tier = static_cast<int>(sum.tiers.size());
    if (!sum.tiers.empty()) {
      std::sort(sum.tiers.begin(), sum.tiers.end());
      history.tier = sum.tiers[(sum.tiers.size() - 1) / 2];
    }
    out[level] = history;
  }
  return out;
}

Result<std::map<Complexity, LevelHistory>> learn_history_from_log(const std::filesystem::path& path,
                                                                  const Plan& plan,
                                                                  const ComplexityRules& rules) {
  std::vector<meter::IterationRecord> records;
  meter::CostLog log(path);
  auto scanned = log.scan(0, [&records](const meter::IterationRecord& record) {
    if (!record.item_id) return;
    meter::IterationRecord& slim = records.emplace_back();  // what learn_history reads
    slim.run_id = record.run_id;
    slim.item_id = record.item_id;
    slim.cost_usd = record.cost_usd;
    slim.items_completed = record.items_completed;
    slim.tier = record.tier;
    slim.complexity = record.complexity;
  });
  if (!scanned) return scanned.error();
  return learn_history(records, plan, rules);
}

StartTier auto_start_tier(const Estimate& estimate,
                          const std::map<Complexity, LevelHistory>& history, int ladder_size) {
  const int top = std::max(ladder_size, 1) - 1;
  StartTier start;
  start.level = estimate.level;
  start.tier = estimate.level == Complexity::kLow      ? 0
               : estimate.level == Complexity::kMiddle ? std::min(ladder_size / 2, top)
                                                       : top;
  start.reason = "estimated " + estimate_summary(estimate);

  auto found = history.find(estimate.level);
  if (found != history.end() && found->second.tier &&
      found->second.items_with_tier >= kHistoryMinItems) {
    const LevelHistory& seen = found->second;
    const int median = *seen.tier;
    start.tier = std::clamp(median, 0, top);
    start.from_history = fmt::format(
        "{} {} items here passed on tier {} (median{}), in {:.1f} iterations and ${:.2f} on "
        "average",
        seen.items_with_tier, complexity_name(estimate.level), median,
        median == start.tier ? "" : fmt::format("; this ladder's top is tier {}", top),
        seen.iterations, seen.cost_usd);
    start.reason += "; " + start.from_history;
  }
  return start;
}

std::optional<int> ladder_index(const std::vector<std::string>& ladder, const std::string& model,
                                const meter::PricingTable& pricing) {
  const std::string wanted = lower(model);
  for (size_t i = 0; i < ladder.size(); ++i) {
    if (lower(ladder[i]) == wanted) return static_cast<int>(i);
  }
  const std::string priced_as = lower(pricing.lookup(model).priced_as);
  if (priced_as.empty()) return std::nullopt;
  for (size_t i = 0; i < ladder.size(); ++i) {
    if (lower(pricing.lookup(ladder[i]).priced_as) == priced_as) return static_cast<int>(i);
  }
  return std::nullopt;
}

}  // namespace ralph::plan
