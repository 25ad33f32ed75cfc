#include "meter/stream_meter.hpp"

#include <climits>
#include <cmath>

#include "util/json_safe.hpp"

namespace ralph::meter {

using nlohmann::json;

namespace {

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int int_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? 0 : static_cast<int>(json_int(*it, INT32_MIN, INT32_MAX, 0));
}

bool bool_field(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::string parent_key(const json& line) {
  auto it = line.find("parent_tool_use_id");
  return it != line.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

LineKind StreamMeter::feed(std::string_view line) {
  if (json_nesting_exceeds(line)) {
    ++bad_lines_;
    return LineKind::kBad;
  }
  json parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    ++bad_lines_;
    return LineKind::kBad;
  }
  const std::string type = string_field(parsed, "type");
  if (type == "system") {
    const std::string subtype = string_field(parsed, "subtype");
    if (subtype == "init") {
      model_ = string_field(parsed, "model");
      session_id_ = string_field(parsed, "session_id");
      return LineKind::kInit;
    }
    if (subtype == "compact_boundary") {
      ++compactions_;
      return LineKind::kOther;
    }
    if (subtype == "api_retry") {
      ApiRetry retry;
      retry.attempt = int_field(parsed, "attempt");
      retry.max_retries = int_field(parsed, "max_retries");
      retry.error_status = int_field(parsed, "error_status");
      retry.error = string_field(parsed, "error");
      last_retry_ = retry;
      return LineKind::kRetry;
    }
    return LineKind::kOther;
  }
  if (type == "stream_event") {
    on_stream_event(parsed);
    return LineKind::kStreamEvent;
  }
  if (type == "assistant") {
    auto message = parsed.find("message");
    if (message != parsed.end() && message->is_object()) {
      // The snapshot taken at message_start: its output_tokens is not final, but max()
      // keeps it from lowering what message_delta reported.
      observe(string_field(*message, "id"), string_field(*message, "model"),
              json_member(*message, "usage"));
      if (auto content = message->find("content"); content != message->end()) {
        for (const auto& block : *content) {
          if (block.is_object() && string_field(block, "type") == "text" &&
              string_field(block, "text").find(kCompletionSentinel) != std::string::npos) {
            claimed_complete_ = true;
          }
        }
      }
    }
    return LineKind::kAssistant;
  }
  if (type == "result") {
    on_result(parsed);
    return LineKind::kResult;
  }
  if (type == "rate_limit_event") {
    auto info = parsed.find("rate_limit_info");
    if (info != parsed.end() && info->is_object() && string_field(*info, "status") == "rejected") {
      UsageLimit limit;
      if (auto reset = info->find("resetsAt"); reset != info->end() && reset->is_number()) {
        limit.resets_at = json_int(*reset, 0, 100'000'000'000, 0);
      }
      limit.kind = string_field(*info, "rateLimitType");
      usage_limit_ = limit;
    }
    return LineKind::kRateLimit;
  }
  return LineKind::kOther;
}

void StreamMeter::on_stream_event(const json& line) {
  auto event = line.find("event");
  if (event == line.end() || !event->is_object()) return;
  const std::string kind = string_field(*event, "type");
  if (kind == "message_start") {
    auto message = event->find("message");
    if (message == event->end() || !message->is_object()) return;
    std::string id = string_field(*message, "id");
    current_message_[parent_key(line)] = id;
    observe(id, string_field(*message, "model"), json_member(*message, "usage"));
  } else if (kind == "message_delta") {
    auto current = current_message_.find(parent_key(line));
    if (current == current_message_.end()) return;
    auto known = messages_.find(current->second);
    std::string model = known != messages_.end() ? known->second.model : model_;
    observe(current->second, model, json_member(*event, "usage"));
  }
}

void StreamMeter::observe(const std::string& id, const std::string& model, const json& usage) {
  if (id.empty()) return;
  Message& message = messages_[id];
  if (message.model.empty()) message.model = model.empty() ? model_ : model;
  message.usage.raise_to(usage_from_api(usage));
  message.cache_write_1h = std::max(message.cache_write_1h, cache_write_1h_from_api(usage));
  // Each message is priced on its own, past its model's long-context threshold or not, as
  // Claude Code prices each request.
  double cost = pricing_.turn_cost(message.model, message.usage, message.cache_write_1h);
  live_cost_ += cost - message.cost;
  message.cost = cost;
}

void StreamMeter::on_result(const json& line) {
  AgentResult result;
  result.subtype = string_field(line, "subtype");
  result.is_error = bool_field(line, "is_error");
  if (auto it = line.find("total_cost_usd");
      it != line.end() && it->is_number() && std::isfinite(it->get<double>())) {
    result.total_cost_usd = it->get<double>();
  }
  result.num_turns = int_field(line, "num_turns");
  result.terminal_reason = string_field(line, "terminal_reason");
  if (auto it = line.find("api_error_status"); it != line.end() && it->is_number_integer()) {
    result.api_error_status = static_cast<int>(json_int(*it, 0, 999, 0));
  }
  const std::string text = string_field(line, "result");
  if (text.find(kCompletionSentinel) != std::string::npos) claimed_complete_ = true;
  // Older Claude Code versions end a limited run with "Claude AI usage limit reached|<epoch>".
  if (auto at = text.find("usage limit reached"); at != std::string::npos && result.is_error) {
    UsageLimit limit = usage_limit_.value_or(UsageLimit{});
    if (auto bar = text.find('|', at); bar != std::string::npos) {
      try {
        limit.resets_at = std::stoll(text.substr(bar + 1));
      } catch (const std::exception&) {
      }
    }
    usage_limit_ = limit;
  }
  if (session_id_.empty()) session_id_ = string_field(line, "session_id");
  auto model_usage = line.find("modelUsage");
  if (model_usage != line.end() && model_usage->is_object() && !model_usage->empty()) {
    for (const auto& [model, entry] : model_usage->items()) {
      Usage usage = usage_from_model_usage(entry);
      const json& cost = json_member(entry, "costUSD");
      result.models[model] = ModelUsage{
          usage, cost.is_number() && std::isfinite(cost.get<double>()) ? cost.get<double>() : 0.0};
      const json& window = json_member(entry, "contextWindow");
      if (window.is_number_integer() && window.get<int64_t>() > 0) {
        result.context_windows[model] = window.get<int64_t>();
      }
      result.usage += usage;
    }
  } else {
    result.usage = usage_from_api(json_member(line, "usage"));
  }
  result_ = std::move(result);
}

Usage StreamMeter::live_usage() const {
  Usage total;
  for (const auto& [id, message] : messages_) total += message.usage;
  return total;
}

std::map<std::string, ModelUsage> StreamMeter::live_by_model() const {
  std::map<std::string, ModelUsage> by_model;
  for (const auto& [id, message] : messages_) {
    ModelUsage& model = by_model[message.model];
    model.usage += message.usage;
    model.cost_usd += message.cost;
  }
  return by_model;
}

std::optional<StreamMeter::ContextFill> StreamMeter::peak_context() const {
  std::optional<ContextFill> peak;
  for (const auto& [id, message] : messages_) {
    std::optional<int64_t> window;
    if (result_) {
      if (auto it = result_->context_windows.find(message.model);
          it != result_->context_windows.end()) {
        window = it->second;
      }
    }
    if (!window) window = pricing_.lookup(message.model).price.context_window;
    if (!window || *window <= 0) continue;
    int64_t tokens = message.usage.context_tokens();
    double fraction = static_cast<double>(tokens) / static_cast<double>(*window);
    if (!peak || fraction > peak->fraction) peak = ContextFill{fraction, tokens, *window};
  }
  return peak;
}

int64_t StreamMeter::peak_context_tokens() const {
  int64_t peak = 0;
  for (const auto& [id, message] : messages_) {
    peak = std::max(peak, message.usage.context_tokens());
  }
  return peak;
}

}  // namespace ralph::meter
