// Reads the agent's stream-json output line by line and keeps a live meter of tokens and
// dollars, deduplicated by message id, plus the agent's own final `result` when it comes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "meter/pricing.hpp"
#include "meter/usage.hpp"

namespace ralph::meter {

struct ModelUsage {
  Usage usage;
  double cost_usd = 0;
};

// The agent's own account of the iteration (the `result` line).
struct AgentResult {
  std::string subtype;  // success, error_max_turns, error_max_budget_usd, ...
  bool is_error = false;
  double total_cost_usd = 0;
  Usage usage;  // summed over every model in modelUsage when present
  int num_turns = 0;
  std::string terminal_reason;
  std::optional<int> api_error_status;
  std::map<std::string, ModelUsage> models;        // from modelUsage
  std::map<std::string, int64_t> context_windows;  // modelUsage[*].contextWindow
};

// An `api_retry` notice: the agent is retrying a failed API call.
struct ApiRetry {
  int attempt = 0;
  int max_retries = 0;
  int error_status = 0;
  std::string error;  // rate_limit, authentication_failed, ...
};

inline constexpr std::string_view kCompletionSentinel = "<promise>COMPLETE</promise>";

// A usage or rate limit the agent hit (a subscription's five-hour window, say).
struct UsageLimit {
  std::optional<int64_t> resets_at;  // Unix seconds, when the agent said
  std::string kind;                  // five_hour, seven_day, ... when known
};

enum class LineKind { kInit, kStreamEvent, kAssistant, kResult, kRetry, kRateLimit, kOther, kBad };

class StreamMeter {
 public:
  explicit StreamMeter(const PricingTable& pricing) : pricing_(pricing) {}

  // Takes one line of the agent's stdout. A line that is not a JSON object is counted as bad
  // and otherwise ignored.
  LineKind feed(std::string_view line);

  double live_cost() const { return live_cost_; }
  Usage live_usage() const;
  int turns() const { return static_cast<int>(messages_.size()); }
  // The largest context of any turn: input + cache write + cache read.
  int64_t peak_context_tokens() const;
  // The fullest any turn's context got against its model's window (the agent's
  // modelUsage[*].contextWindow once it gave its result, else the pricing table's), and that
  // turn's tokens; none while no window is known.
  struct ContextFill {
    double fraction = 0;
    int64_t tokens = 0;
    int64_t window = 0;
  };
  std::optional<ContextFill> peak_context() const;
  // Auto or manual compactions of the agent's context (`compact_boundary` lines).
  int compactions() const { return compactions_; }
  // Whether the agent printed <promise>COMPLETE</promise> (a claim, never proof).
  bool claimed_complete() const { return claimed_complete_; }

  const std::string& model() const { return model_; }
  const std::string& session_id() const { return session_id_; }
  const std::optional<AgentResult>& result() const { return result_; }
  const std::optional<ApiRetry>& last_retry() const { return last_retry_; }
  // Set when the agent reported that a usage limit stops it (a `rate_limit_event` whose
  // status is "rejected", or a result saying "usage limit reached|<reset time>").
  const std::optional<UsageLimit>& usage_limit() const { return usage_limit_; }
  int bad_lines() const { return bad_lines_; }

  // The live meter per model: tokens, and the cost summed message by message (each priced
  // with its own tier), for records without an agent result and for comparing with it.
  std::map<std::string, ModelUsage> live_by_model() const;

 private:
  struct Message {
    std::string model;
    Usage usage;
    int64_t cache_write_1h = 0;  // of usage.cache_creation_input_tokens
    double cost = 0;
  };
  // Raises message `id`'s usage to `usage` (see Usage::raise_to) and prices it again.
  void observe(const std::string& id, const std::string& model, const nlohmann::json& usage);
  void on_stream_event(const nlohmann::json& line);
  void on_result(const nlohmann::json& line);

  const PricingTable& pricing_;
  std::map<std::string, Message> messages_;
  std::map<std::string, std::string> current_message_;  // parent_tool_use_id -> message id
  double live_cost_ = 0;
  std::string model_;
  std::string session_id_;
  bool claimed_complete_ = false;
  std::optional<AgentResult> result_;
  std::optional<ApiRetry> last_retry_;
  std::optional<UsageLimit> usage_limit_;
  int bad_lines_ = 0;
  int compactions_ = 0;
};

}  // namespace ralph::meter
