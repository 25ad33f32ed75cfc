#include "plan/settings.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "budget/periods.hpp"

namespace ralph::plan {

using nlohmann::json;

namespace {

constexpr long long kLargest = 1'000'000'000;

SettingSpec spec(std::string key, std::string flag, SettingKind kind, json fallback,
                 std::string help, long long minimum = 0) {
  return SettingSpec{std::move(key),      std::move(flag), kind, minimum, {},
                     std::move(fallback), std::move(help)};
}

}  // namespace

const std::vector<SettingSpec>& setting_specs() {
  using K = SettingKind;
  static const std::vector<SettingSpec> specs = [] {
    std::vector<SettingSpec> all = {
        spec("max_iterations", "--max-iterations", K::kCount, 50, "Stop after N iterations", 1),
        spec("budget", "--budget", K::kDollars, nullptr,
             "Hard cap in USD on this run's agent cost"),
        spec("iteration_budget", "--iteration-budget", K::kDollars, nullptr,
             "Cap in USD on one iteration's cost"),
        spec("parallel", "--parallel", K::kCount, 1,
             "Run up to N items side by side, each in a git worktree of its own", 1),
        spec("item_max_iterations", "--item-max-iterations", K::kCount, 5,
             "Block an item after N iterations of the run on it that did not make it pass", 1),
        spec("item_budget", "--item-budget", K::kDollars, nullptr,
             "Cap in USD on what the run may spend on one item; then it is blocked"),
        spec("daily_budget", "--daily-budget", K::kDollars, nullptr,
             "Cap in USD on what every loop of the ledger spends per day"),
        spec("weekly_budget", "--weekly-budget", K::kDollars, nullptr,
             "Cap in USD on what every loop of the ledger spends per week (from Monday)"),
        spec("monthly_budget", "--monthly-budget", K::kDollars, nullptr,
             "Cap in USD on what every loop of the ledger spends per calendar month"),
        spec("ledger", "", K::kText, nullptr,
             "Where the ledger is: a file, or a PostgreSQL URL shared by loops on many machines "
             "($RALPH_LEDGER wins)"),
        spec("timezone", "--timezone", K::kZone, nullptr,
             "IANA time zone of the days, weeks and months (the machine's)"),
        spec("on_calendar_cap", "", K::kChoice, "halt",
             "When a daily, weekly or monthly cap is reached: halt, or wait for the next period"),
        spec("model", "--model", K::kText, nullptr, "Model for items that name none"),
        spec("agent", "--agent", K::kText, "claude", "The agent executable"),
        spec("iteration_timeout", "--iteration-timeout", K::kSeconds, 3600,
             "Wall-clock limit of one iteration in seconds", 1),
        spec("idle_timeout", "--idle-timeout", K::kSeconds, 1800,
             "Stop an iteration after this many seconds with no output from the agent; 0: never"),
        spec("result_grace", "", K::kSeconds, 30,
             "Seconds the agent may take to exit after its result", 1),
        spec("no_commit", "--no-commit", K::kSwitch, false, "Meter and log, but make no commits"),
        spec("on_history_rewrite", "", K::kChoice, "warn",
             "When the agent rewrites the run's branch: warn and go on, or halt"),
        spec("stall_after", "--stall-after", K::kCount, 3,
             "Halt after N iterations in a row without progress", 1),
        spec("max_wait", "--max-wait", K::kSeconds, 21600,
             "Longest wait in seconds for a usage limit to reset"),
        spec("block_limit", "--block-limit", K::kTokens, nullptr,
             "Tokens a 5-hour block of the subscription may hold, or max (the largest earlier "
             "block): wait for the block to reset rather than pass it mid-iteration"),
        spec("max_agent_failures", "--max-agent-failures", K::kCount, 3,
             "Halt after N failed iterations in a row", 1),
        spec("hook_timeout", "", K::kSeconds, 300, "Seconds one hook may run", 1),
        spec("models", "", K::kList, nullptr,
             "The model ladder, cheapest first: an item escalates to the next model after "
             "escalate_after iterations without progress"),
        spec("escalate_after", "", K::kCount, 2,
             "Iterations without progress on an item before it escalates to the next model", 1),
        spec("start_tier", "", K::kChoice, "lowest",
             "Where on the ladder an item starts: the lowest model, or auto (its estimated "
             "complexity)"),
        spec("anomaly_factor", "", K::kFactor, 4,
             "Flag an iteration whose cost, turns or output exceed this many times the run's "
             "median (and its median plus 5 deviations)"),
        spec("halt_on_anomaly", "", K::kSwitch, false,
             "Stop the agent and halt the run (anomaly, exit 8) when an iteration is flagged"),
    };
    for (auto& s : all) {
      if (s.key == "on_history_rewrite") s.choices = {"warn", "halt"};
      if (s.key == "on_calendar_cap") s.choices = {"halt", "wait"};
      if (s.key == "start_tier") s.choices = {"lowest", "auto"};
    }
    return all;
  }();
  return specs;
}

const SettingSpec* find_setting(std::string_view key) {
  for (const auto& s : setting_specs()) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

Result<json> check_setting(const SettingSpec& spec, const json& value, const std::string& name) {
  switch (spec.kind) {
    case SettingKind::kCount:
    case SettingKind::kSeconds:
      if (!value.is_number_integer() || value.get<long long>() < spec.minimum ||
          value.get<long long>() > kLargest) {
        return make_error(fmt::format("{} must be a whole number of at least {}, not {}", name,
                                      spec.minimum, value.dump()));
      }
      return json(value.get<long long>());
    case SettingKind::kDollars:
      if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0) {
        return make_error(fmt::format(
            "{} must be a positive number of US dollars, like 5.00, not {}", name, value.dump()));
      }
      return json(value.get<double>());
    case SettingKind::kText:
      if (!value.is_string() || value.get<std::string>().empty()) {
        return make_error(fmt::format("{} must be a non-empty string, not {}", name, value.dump()));
      }
      return value;
    case SettingKind::kZone: {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return make_error(
            fmt::format("{} must be an IANA time zone name such as "
                        "\"Europe/Paris\", not {}",
                        name, value.dump()));
      }
      auto zone = budget::TimeZone::named(value.get<std::string>());
      if (!zone) return make_error(fmt::format("{}: {}", name, zone.message()));
      return value;
    }
    case SettingKind::kFactor:
      if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 1) {
        return make_error(
            fmt::format("{} must be a number greater than 1, like 4, not {}", name, value.dump()));
      }
      return json(value.get<double>());
    case SettingKind::kList: {
      bool good = value.is_array() && !value.empty();
      for (const auto& entry : value) {
        good = good && entry.is_string() && !entry.get<std::string>().empty();
      }
      if (!good) {
        return make_error(fmt::format(
            "{} must be a non-empty list of model names, cheapest first, like [\"claude-haiku-"
            "5-5\", \"claude-sonnet-5-5\"], not {}",
            name, value.dump()));
      }
      return value;
    }
    case SettingKind::kTokens:
      if (value.is_string() && value.get<std::string>() == "max") return value;
      if (!value.is_number_integer() || value.get<long long>() < 1 ||
          value.get<long long>() > kLargest) {
        return make_error(fmt::format(
            "{} must be a whole number of tokens of at least 1, or \"max\" (the largest "
            "earlier block), not {}",
            name, value.dump()));
      }
      return json(value.get<long long>());
    case SettingKind::kSwitch:
      if (!value.is_boolean()) {
        return make_error(fmt::format("{} must be true or false, not {}", name, value.dump()));
      }
      return value;
    case SettingKind::kChoice:
      for (const auto& choice : spec.choices) {
        if (value.is_string() && value.get<std::string>() == choice) return value;
      }
      return make_error(fmt::format("{} must be \"{}\" (the default: {}), not {}", name,
                                    fmt::join(spec.choices, "\" or \""),
                                    spec.fallback.get<std::string>(), value.dump()));
  }
  return make_error(name + ": unknown kind");
}

Result<json> parse_setting_text(const SettingSpec& spec, const std::string& text,
                                const std::string& name) {
  json value = text;  // text and choices as they are
  if (spec.kind == SettingKind::kCount || spec.kind == SettingKind::kSeconds ||
      spec.kind == SettingKind::kTokens) {
    long long number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && end == text.data() + text.size()) value = number;
  } else if (spec.kind == SettingKind::kDollars || spec.kind == SettingKind::kFactor) {
    try {
      size_t used = 0;
      double number = std::stod(text, &used);
      if (used == text.size()) value = number;
    } catch (const std::exception&) {
      // not a number: checked below as the text it is
    }
  } else if (spec.kind == SettingKind::kSwitch) {
    value = text != "false";
  }
  return check_setting(spec, value, name.empty() ? spec.flag : name);
}

std::string setting_help(const SettingSpec& spec) {
  if (spec.fallback.is_null() || spec.kind == SettingKind::kSwitch) return spec.help;
  std::string fallback =
      spec.fallback.is_string() ? spec.fallback.get<std::string>() : spec.fallback.dump();
  return fmt::format("{} ({})", spec.help, fallback);
}

std::string setting_value_name(const SettingSpec& spec) {
  switch (spec.kind) {
    case SettingKind::kCount:
      return "N";
    case SettingKind::kSeconds:
      return "SECONDS";
    case SettingKind::kDollars:
      return "USD";
    case SettingKind::kZone:
      return "ZONE";
    case SettingKind::kFactor:
      return "FACTOR";
    case SettingKind::kTokens:
      return "N|max";
    case SettingKind::kList:
    case SettingKind::kText:
    case SettingKind::kSwitch:
    case SettingKind::kChoice:
      break;
  }
  return "TEXT";
}

Settings Settings::under(const Settings& over) const {
  Settings merged = *this;
  for (const auto& [key, value] : over.values_) merged.values_[key] = value;
  return merged;
}

const json& Settings::get(const std::string& key) const {
  if (auto it = values_.find(key); it != values_.end()) return it->second;
  const SettingSpec* s = find_setting(key);
  if (s == nullptr) throw std::logic_error("no setting \"" + key + "\"");
  return s->fallback;
}

std::optional<long long> Settings::number(const std::string& key) const {
  const json& v = get(key);
  if (!v.is_number_integer()) return std::nullopt;
  return v.get<long long>();
}

std::optional<double> Settings::dollars(const std::string& key) const {
  const json& v = get(key);
  if (!v.is_number()) return std::nullopt;
  return v.get<double>();
}

std::optional<std::string> Settings::text(const std::string& key) const {
  const json& v = get(key);
  if (!v.is_string()) return std::nullopt;
  return v.get<std::string>();
}

std::vector<std::string> Settings::list(const std::string& key) const {
  const json& v = get(key);
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const auto& entry : v) {
    if (entry.is_string()) out.push_back(entry.get<std::string>());
  }
  return out;
}

bool Settings::on(const std::string& key) const {
  const json& v = get(key);
  return v.is_boolean() && v.get<bool>();
}

}  // namespace ralph::plan
