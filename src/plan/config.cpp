#include "plan/config.hpp"

#include "plan/json_input.hpp"

#include <fmt/format.h>

#include <cmath>

#include "util/suggest.hpp"

namespace ralph::plan {

using nlohmann::json;

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = {"max_iterations",
                                                "budget",
                                                "iteration_budget",
                                                "model",
                                                "agent",
                                                "agent_args",
                                                "iteration_timeout",
                                                "no_commit",
                                                "stall_after",
                                                "max_wait",
                                                "pricing",
                                                "hooks",
                                                "allow_secret_files",
                                                "max_agent_failures"};
  return keys;
}

namespace {

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
    } else if (key == "no_commit") {
      if (!value.is_boolean()) {
        read.problem(key, fmt::format("\"no_commit\" must be true or false, not {}", value.dump()));
      } else {
        config.no_commit = value.get<bool>();
      }
    } else if (key == "stall_after") {
      config.stall_after = read.positive_int(value, key, 1);
    } else if (key == "max_agent_failures") {
      config.max_agent_failures = read.positive_int(value, key, 1);
    } else if (key == "max_wait") {
      config.max_wait = read.positive_int(value, key, 0);
    } else if (key == "pricing" || key == "hooks") {
      if (!value.is_object()) {
        read.problem(key, fmt::format("\"{}\" must be an object", key));
      } else {
        (key == "pricing" ? config.pricing : config.hooks) = value;
      }
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
