#include "plan/config.hpp"

#include "plan/json_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "util/suggest.hpp"

namespace ralph::plan {

using nlohmann::json;

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> all;
    for (const auto& spec : setting_specs()) all.push_back(spec.key);
    for (const char* key :
         {"agent_args", "pricing", "hooks", "allow_secret_files", "complexity_rules"}) {
      all.emplace_back(key);
    }
    return all;
  }();
  return keys;
}
const std::vector<std::string>& hook_events() {
  static const std::vector<std::string> events = {
      "pre_iteration", "on_budget_warning", "on_context_warning",
      "on_anomaly",    "pre_commit",        "post_iteration",
      "on_halt"};
  return events;
}

namespace {

// A key as a JSON pointer token ("~" -> "~0", "/" -> "~1").
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  }
  return out;
}

class ConfigReader {
 public:
  explicit ConfigReader(JsonInput& input) : input_(input) {}

  void problem(const std::string& key, std::string message) {
    input_.problem(key.empty() ? "" : "/" + key, std::move(message));
  }

  // A run setting: checked against its spec, kept when it is right.
  void setting(const SettingSpec& spec, const json& value, Settings& out) {
    auto checked = check_setting(spec, value, "\"" + spec.key + "\"");
    if (!checked) {
      problem(spec.key, checked.message());
      return;
    }
    out.set(spec.key, std::move(*checked));
  }

  // "hooks": {"<event>": ["path", ...]}: known events only, each a list of non-empty paths.
  void hooks(const json& value, std::map<std::string, std::vector<std::string>>& out) {
    if (!value.is_object()) {
      problem("hooks", fmt::format("\"hooks\" must be an object mapping events ({}) to lists "
                                   "of executables",
                                   fmt::join(hook_events(), ", ")));
      return;
    }
    for (const auto& [event, paths] : value.items()) {
      const std::string pointer = "hooks/" + pointer_token(event);
      if (std::find(hook_events().begin(), hook_events().end(), event) == hook_events().end()) {
        std::string hint = closest_name(event, hook_events());
        problem(pointer, hint.empty()
                             ? fmt::format("hooks.{}: unknown hook event; the events are {}", event,
                                           fmt::join(hook_events(), ", "))
                             : fmt::format("hooks.{}: unknown hook event; did you mean \"{}\"?",
                                           event, hint));
        continue;
      }
      if (!paths.is_array()) {
        problem(pointer, fmt::format("hooks.{}: must be a list of executables, like "
                                     "[\"hooks/notify-desktop.sh\"], not {}",
                                     event, paths.dump()));
        continue;
      }
      std::vector<std::string>& list = out[event];
      for (size_t i = 0; i < paths.size(); ++i) {
        const json& path = paths[i];
        if (!path.is_string() || path.get<std::string>().empty()) {
          problem(fmt::format("{}/{}", pointer, i),
                  fmt::format("hooks.{}[{}]: must be a non-empty path to an executable, not {}",
                              event, i, path.dump()));
          continue;
        }
        list.push_back(path.get<std::string>());
      }
    }
  }

 private:
  JsonInput& input_;
};

}  // namespace

std::optional<Config> parse_config(std::string_view text, const std::string& file_name,
                                   Problems& problems) {
  size_t problems_before = problems.size();
  JsonInput input(text, file_name, problems);
  if (!input.doc()) return std::nullopt;
  const json& doc = *input.doc();
  ConfigReader read(input);
  if (!doc.is_object()) {
    read.problem("", "the configuration must be a JSON object of options");
    return std::nullopt;
  }

  Config config;
  for (const auto& [key, value] : doc.items()) {
    if (const SettingSpec* spec = find_setting(key)) {
      read.setting(*spec, value, config.settings);
    } else if (key == "agent_args" || key == "allow_secret_files") {
      auto& out = key == "agent_args" ? config.agent_args : config.allow_secret_files;
      if (!value.is_array()) {
        read.problem(key, fmt::format("\"{}\" must be a list of strings", key));
      } else {
        for (const auto& arg : value) {
          if (!arg.is_string()) {
            read.problem(key, fmt::format("\"{}\" must hold strings, not {}", key, arg.dump()));
          } else {
            out.push_back(arg.get<std::string>());
          }
        }
      }
    } else if (key == "pricing") {
      if (!value.is_object()) {
        read.problem(key, "\"pricing\" must be an object");
      } else {
        config.pricing = value;
      }
    } else if (key == "hooks") {
      read.hooks(value, config.hooks);
    } else if (key == "complexity_rules") {
      read_complexity_rules(value, config.complexity_rules,
                            [&read](const std::string& pointer, std::string message) {
                              read.problem("complexity_rules" + pointer, std::move(message));
                            });
    } else {
      std::string hint = closest_name(key, config_keys());
      read.problem(key, hint.empty()
                            ? fmt::format("unknown key \"{}\": the keys are {}", key,
                                          fmt::join(config_keys(), ", "))
                            : fmt::format("unknown key \"{}\": did you mean \"{}\"?", key, hint));
    }
  }
  if (problems.size() != problems_before) return std::nullopt;
  return config;
}

}  // namespace ralph::plan
