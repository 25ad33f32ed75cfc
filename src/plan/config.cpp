#include "plan/config.hpp"

#include "plan/json_input.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "util/suggest.hpp"

namespace ralph::plan {

using nlohmann::json;

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = {
      "max_iterations", "budget",     "iteration_budget",   "model",
      "agent",          "agent_args", "iteration_timeout",  "idle_timeout",
      "result_grace",   "no_commit",  "stall_after",        "max_wait",
      "pricing",        "hooks",      "allow_secret_files", "max_agent_failures",
      "hook_timeout"};
  return keys;
}

const std::vector<std::string>& hook_events() {
  static const std::vector<std::string> events = {"pre_iteration", "on_budget_warning",
                                                  "pre_commit", "post_iteration", "on_halt"};
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

  std::optional<int> positive_int(const json& value, const std::string& key, int minimum) {
    if (!value.is_number_integer() || value.get<long long>() < minimum ||
        value.get<long long>() > 1'000'000'000) {
      problem(key, fmt::format("\"{}\" must be a whole number of at least {}, not {}", key, minimum,
                               value.dump()));
      return std::nullopt;
    }
    return static_cast<int>(value.get<long long>());
  }

  std::optional<double> dollars(const json& value, const std::string& key) {
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0) {
      problem(key, fmt::format("\"{}\" must be a positive number of US dollars, like 5.00, "
                               "not {}",
                               key, value.dump()));
      return std::nullopt;
    }
    return value.get<double>();
  }

  std::optional<std::string> text(const json& value, const std::string& key) {
    if (!value.is_string() || value.get<std::string>().empty()) {
      problem(key, fmt::format("\"{}\" must be a non-empty string, not {}", key, value.dump()));
      return std::nullopt;
    }
    return value.get<std::string>();
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
    if (key == "max_iterations") {
      config.max_iterations = read.positive_int(value, key, 1);
    } else if (key == "budget") {
      config.budget = read.dollars(value, key);
    } else if (key == "iteration_budget") {
      config.iteration_budget = read.dollars(value, key);
    } else if (key == "model") {
      config.model = read.text(value, key);
    } else if (key == "agent") {
      config.agent = read.text(value, key);
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
    } else if (key == "iteration_timeout") {
      config.iteration_timeout = read.positive_int(value, key, 1);
    } else if (key == "idle_timeout") {
      config.idle_timeout = read.positive_int(value, key, 0);
    } else if (key == "result_grace") {
      config.result_grace = read.positive_int(value, key, 1);
    } else if (key == "no_commit") {
      if (!value.is_boolean()) {
        read.problem(key, fmt::format("\"no_commit\" must be true or false, not {}", value.dump()));
      } else {
        config.no_commit = value.get<bool>();
      }
    } else if (key == "on_history_rewrite") {
      if (!value.is_string() || (value != "warn" && value != "halt")) {
        read.problem(key, fmt::format("\"on_history_rewrite\" must be \"warn\" (the default: "
                                      "say so and go on) or \"halt\", not {}",
                                      value.dump()));
      } else {
        config.on_history_rewrite = value.get<std::string>();
      }
    } else if (key == "stall_after") {
      config.stall_after = read.positive_int(value, key, 1);
    } else if (key == "max_agent_failures") {
      config.max_agent_failures = read.positive_int(value, key, 1);
    } else if (key == "max_wait") {
      config.max_wait = read.positive_int(value, key, 0);
    } else if (key == "pricing") {
      if (!value.is_object()) {
        read.problem(key, "\"pricing\" must be an object");
      } else {
        config.pricing = value;
      }
    } else if (key == "hooks") {
      read.hooks(value, config.hooks);
    } else if (key == "hook_timeout") {
      config.hook_timeout = read.positive_int(value, key, 1);
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
