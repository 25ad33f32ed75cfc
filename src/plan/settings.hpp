// The run settings (README "Configuration"): each described once here, with its ralph.json key,
// its `ralph run` flag, its kind, its range, its default and its help. The ralph.json parser
// and the command line both read them through this table; a flag given on the command line
// wins over ralph.json, which wins over the default.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.hpp"

namespace ralph::plan {

enum class SettingKind {
  kCount,    // a whole number of at least `minimum`
  kSeconds,  // the same, in seconds
  kDollars,  // a positive number of US dollars
  kText,     // a non-empty string
  kSwitch,   // true or false; a flag without a value
  kChoice,   // one of `choices`
  kZone,     // an IANA time zone name ("Europe/Paris")
  kFactor,   // a number greater than 1
  kList,     // a non-empty list of non-empty strings (ralph.json only)
  kTokens,   // a whole number of tokens of at least 1, or "max"
};

struct SettingSpec {
  std::string key;   // in ralph.json: "item_max_iterations"
  std::string flag;  // of `ralph run`: "--item-max-iterations"; empty: ralph.json only
  SettingKind kind;
  long long minimum = 0;             // counts and seconds
  std::vector<std::string> choices;  // kChoice
  nlohmann::json fallback;           // the default; null: none
  std::string help;                  // one line, without the default
};

// Every run setting, in the order the README lists them.
const std::vector<SettingSpec>& setting_specs();
const SettingSpec* find_setting(std::string_view key);

// `value` checked against its spec. The error names the setting as `name` ("\"budget\"" in
// ralph.json, "--budget" on the command line) and says what it must be.
Result<nlohmann::json> check_setting(const SettingSpec& spec, const nlohmann::json& value,
                                     const std::string& name);
// A flag's text from the command line, read as its kind and checked; the error names it as
// `name` (default: the setting's flag).
Result<nlohmann::json> parse_setting_text(const SettingSpec& spec, const std::string& text,
                                          const std::string& name = {});

// The help of a flag: its line and its default.
std::string setting_help(const SettingSpec& spec);
// What a flag's value is, for its help: N, SECONDS, USD or TEXT.
std::string setting_value_name(const SettingSpec& spec);

// Checked values by key. A key that is not set reads as its default.
class Settings {
 public:
  // `value` must have been checked against the key's spec.
  void set(const std::string& key, nlohmann::json value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  // The values of `over`, and this one's where `over` has none.
  Settings under(const Settings& over) const;

  std::optional<long long> number(const std::string& key) const;
  std::optional<double> dollars(const std::string& key) const;
  std::optional<std::string> text(const std::string& key) const;
  std::optional<double> factor(const std::string& key) const { return dollars(key); }
  std::vector<std::string> list(const std::string& key) const;
  bool on(const std::string& key) const;

 private:
  const nlohmann::json& get(const std::string& key) const;
  std::map<std::string, nlohmann::json> values_;
};

}  // namespace ralph::plan
