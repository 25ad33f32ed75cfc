#include "meter/record_scan.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "meter/json_scan.hpp"

namespace ralph::meter {

namespace {

using json_scan::load8;
using json_scan::TokenScanner;

constexpr int64_t kMaxTokens = 1'000'000'000'000'000;  // as the DOM reader

enum class Field : uint8_t {
  kRunId,
  kIteration,
  kStartedAt,
  kEndedAt,
  kDurationMs,
  kItemId,
  kModel,
  kInputTokens,
  kOutputTokens,
  kCacheCreation,
  kCacheRead,
  kCostUsd,
  kCostSource,
  kNumTurns,
  kOutcome,
  kItemsCompleted,
  kCommit,
  kSessionId,
  kModels,
  kCacheHitRatio,
  kPeakContextTokens,
  kPeakContextFraction,
  kCompactions,
  kAgentCommits,
  kClaimedComplete,
  kAgentSubtype,
  kExitCode,
  kMeteredCostUsd,
  kStrayProcesses,
  kLingered,
  kHistoryRewritten,
  kRejectedBy,
  kRejectedItems,
  kTier,
  kEscalatedFrom,
  kModelReason,
  kComplexity,
  kPromptDigest,
  kClaudeMdDigest,
  kAnomalies,
  kProgress,
  kItemTry,
  kWorktree,
};

// A key as `"name":`, compared 8 bytes at a time.
struct Key {
  Field field;
  bool omitted_when_absent;  // append_record_json leaves the field out when it has no value
  std::string_view text;
  std::array<uint64_t, 4> words{};
  std::array<uint64_t, 4> masks{};
};

Key key(Field field, std::string_view text, bool omitted_when_absent = false) {
  Key k{field, omitted_when_absent, text};
  char bytes[32] = {};
  char mask[32] = {};
  std::memcpy(bytes, text.data(), text.size());
  std::memset(mask, 0xff, text.size());
  for (size_t i = 0; i < 4; ++i) {
    k.words[i] = load8(bytes + 8 * i);
    k.masks[i] = load8(mask + 8 * i);
  }
  return k;
}

// Every field, in the order append_record_json writes them.
const std::array<Key, 43>& keys() {
  static const std::array<Key, 43> table = {
      key(Field::kRunId, "\"run_id\":"),
      key(Field::kIteration, "\"iteration\":"),
      key(Field::kStartedAt, "\"started_at\":"),
      key(Field::kEndedAt, "\"ended_at\":"),
      key(Field::kDurationMs, "\"duration_ms\":"),
      key(Field::kItemId, "\"item_id\":"),
      key(Field::kModel, "\"model\":"),
      key(Field::kInputTokens, "\"input_tokens\":"),
      key(Field::kOutputTokens, "\"output_tokens\":"),
      key(Field::kCacheCreation, "\"cache_creation_input_tokens\":"),
      key(Field::kCacheRead, "\"cache_read_input_tokens\":"),
      key(Field::kCostUsd, "\"cost_usd\":"),
      key(Field::kCostSource, "\"cost_source\":"),
      key(Field::kNumTurns, "\"num_turns\":"),
      key(Field::kOutcome, "\"outcome\":"),
      key(Field::kItemsCompleted, "\"items_completed\":"),
      key(Field::kCommit, "\"commit\":"),
      key(Field::kSessionId, "\"session_id\":"),
      key(Field::kModels, "\"models\":"),
      key(Field::kCacheHitRatio, "\"cache_hit_ratio\":"),
      key(Field::kPeakContextTokens, "\"peak_context_tokens\":"),
      key(Field::kPeakContextFraction, "\"peak_context_fraction\":", true),
      key(Field::kCompactions, "\"compactions\":"),
      key(Field::kAgentCommits, "\"agent_commits\":"),
      key(Field::kClaimedComplete, "\"claimed_complete\":"),
      key(Field::kAgentSubtype, "\"agent_subtype\":"),
      key(Field::kExitCode, "\"exit_code\":"),
      key(Field::kMeteredCostUsd, "\"metered_cost_usd\":", true),
      key(Field::kStrayProcesses, "\"stray_processes\":"),
      key(Field::kLingered, "\"lingered\":"),
      key(Field::kHistoryRewritten, "\"history_rewritten\":"),
      key(Field::kRejectedBy, "\"rejected_by\":", true),
      key(Field::kRejectedItems, "\"rejected_items\":", true),
      key(Field::kTier, "\"tier\":"),
      key(Field::kEscalatedFrom, "\"escalated_from\":"),
      key(Field::kModelReason, "\"model_reason\":"),
      key(Field::kComplexity, "\"complexity\":", true),
      key(Field::kPromptDigest, "\"prompt_digest\":", true),
      key(Field::kClaudeMdDigest, "\"claude_md_digest\":", true),
      key(Field::kAnomalies, "\"anomalies\":"),
      key(Field::kProgress, "\"progress\":", true),
      key(Field::kItemTry, "\"item_try\":", true),
      key(Field::kWorktree, "\"worktree\":", true),
  };
  return table;
}

class Scanner : TokenScanner {
 public:
  Scanner(std::string_view line, RecordView& out) : TokenScanner(line), out_(out) {}

  bool record() {
    reset(out_);
    if (written_form()) {
      out_.line = std::string_view(begin_, static_cast<size_t>(end_ - begin_));
      if (written_) {
        out_.number_texts.emplace_back(ratio_text_, out_.usage.cache_hit_ratio());
      } else {
        out_.line = {};
        out_.number_texts.clear();
      }
      return true;
    }
    // Any other form, key by key.
    p_ = begin_;
    written_ = true;
    reset(out_);
    if (!take('{')) return false;
    const auto& table = keys();
    size_t next = 0;  // where the written form is on `table`
    bool has_run_id = false;
    bool has_iteration = false;
    bool rejected_by = false;
    bool rejected_items = false;
    for (bool first = true;; first = false) {
      if (!first && !take(',')) break;
      const Key* k = nullptr;
      for (size_t j = next; j < table.size(); ++j) {
        if (matches(table[j])) {
          k = &table[j];
          next = j + 1;
          break;
        }
        if (!table[j].omitted_when_absent) break;
      }
      if (!k) {
        written_ = false;
        k = lookup();
        if (!k) return false;
      }
      has_run_id |= k->field == Field::kRunId;
      has_iteration |= k->field == Field::kIteration;
      rejected_by |= k->field == Field::kRejectedBy;
      rejected_items |= k->field == Field::kRejectedItems;
      if (!value(k->field, k->omitted_when_absent)) return false;
    }
    if (!take('}') || p_ != end_) return false;
    for (size_t j = next; j < table.size(); ++j) written_ &= table[j].omitted_when_absent;
    written_ &= rejected_by == rejected_items;
    if (written_) {
      out_.line = std::string_view(begin_, static_cast<size_t>(end_ - begin_));
      out_.number_texts.emplace_back(ratio_text_, out_.usage.cache_hit_ratio());
    } else {
      out_.number_texts.clear();
    }
    return has_run_id && has_iteration;
  }

 private:
  using TokenScanner::number;

  // The form append_record_json writes, in one straight pass: each key where it writes it.
  bool written_form() {
    RecordView& v = out_;
    Usage& u = v.usage;
    double ratio = 0;
    bool ok =
        lit("{\"run_id\":") && string(v.run_id) && lit(",\"iteration\":") &&
        integer(0, INT32_MAX, v.iteration) && lit(",\"started_at\":") && string(v.started_at) &&
        lit(",\"ended_at\":") && string(v.ended_at) && lit(",\"duration_ms\":") &&
        integer(0, INT64_MAX, v.duration_ms) && lit(",\"item_id\":") &&
        optional_string(v.item_id, false) && lit(",\"model\":") && string(v.model) &&
        lit(",\"input_tokens\":") && integer(0, kMaxTokens, u.input_tokens) &&
        lit(",\"output_tokens\":") && integer(0, kMaxTokens, u.output_tokens) &&
        lit(",\"cache_creation_input_tokens\":") &&
        integer(0, kMaxTokens, u.cache_creation_input_tokens) &&
        lit(",\"cache_read_input_tokens\":") && integer(0, kMaxTokens, u.cache_read_input_tokens) &&
        lit(",\"cost_usd\":") && number(v.cost_usd) && lit(",\"cost_source\":") &&
        string(v.cost_source) && lit(",\"num_turns\":") && integer(0, INT32_MAX, v.num_turns) &&
        lit(",\"outcome\":") && string(v.outcome) && lit(",\"items_completed\":") &&
        strings(v.items_completed) && lit(",\"commit\":") && optional_string(v.commit, false) &&
        lit(",\"session_id\":") && optional_string(v.session_id, false) && lit(",\"models\":") &&
        models() && lit(",\"cache_hit_ratio\":") && number(ratio, ratio_text_, false) &&
        lit(",\"peak_context_tokens\":") && integer(0, INT64_MAX, v.peak_context_tokens);
    if (!ok) return false;
    if (lit(",\"peak_context_fraction\":") && !optional_number(v.peak_context_fraction, true)) {
      return false;
    }
    ok = lit(",\"compactions\":") && integer(0, INT32_MAX, v.compactions) &&
         lit(",\"agent_commits\":") && strings(v.agent_commits) && lit(",\"claimed_complete\":") &&
         boolean(v.claimed_complete) && lit(",\"agent_subtype\":") && string(v.agent_subtype) &&
         lit(",\"exit_code\":") && integer(INT32_MIN, INT32_MAX, v.exit_code);
    if (!ok) return false;
    if (lit(",\"metered_cost_usd\":") && !optional_number(v.metered_cost_usd, false)) return false;
    ok = lit(",\"stray_processes\":") && integer(0, INT32_MAX, v.stray_processes) &&
         lit(",\"lingered\":") && boolean(v.lingered) && lit(",\"history_rewritten\":") &&
         boolean(v.history_rewritten);
    if (!ok) return false;
    if (lit(",\"rejected_by\":")) {
      std::string_view by;
      if (!string(by) || !lit(",\"rejected_items\":") || !strings(v.rejected_items)) return false;
      v.rejected_by = by;
    }
    ok = lit(",\"tier\":") && value(Field::kTier, false) && lit(",\"escalated_from\":") &&
         optional_string(v.escalated_from, false) && lit(",\"model_reason\":") &&
         string(v.model_reason);
    if (!ok) return false;
    if (!digest(",\"complexity\":", v.complexity) ||
        !digest(",\"prompt_digest\":", v.prompt_digest) ||
        !digest(",\"claude_md_digest\":", v.claude_md_digest) || !lit(",\"anomalies\":") ||
        !strings(v.anomalies) || !flag(",\"progress\":", v.progress) ||
        !flag(",\"item_try\":", v.item_try) || !digest(",\"worktree\":", v.worktree)) {
      return false;
    }
    return take('}') && p_ == end_;
  }

  // An optional field of the written form: absent, or there with a value (never null).
  template <size_t N>
  bool digest(const char (&key)[N], std::optional<std::string_view>& value) {
    if (!lit(key)) return true;
    std::string_view text;
    if (!string(text)) return false;
    value = text;
    return true;
  }

  template <size_t N>
  bool flag(const char (&key)[N], std::optional<bool>& value) {
    if (!lit(key)) return true;
    bool b = false;
    if (!boolean(b)) return false;
    value = b;
    return true;
  }

  bool matches(const Key& k) {
    for (size_t i = 0; i < 4; ++i) {
      if (((load8(p_ + 8 * i) ^ k.words[i]) & k.masks[i]) != 0) return false;
      if (8 * (i + 1) >= k.text.size()) break;
    }
    if (static_cast<size_t>(end_ - p_) < k.text.size()) return false;
    p_ += k.text.size();
    return true;
  }

  // A key not where the written form has it: found by name.
  const Key* lookup() {
    std::string_view name;
    if (!string(name) || !take(':')) return nullptr;
    for (const Key& k : keys()) {
      if (k.text.substr(1, k.text.size() - 3) == name) return &k;
    }
    return nullptr;
  }

  bool number(double& value) {
    std::string_view text;
    if (!number(value, text)) return false;
    if (written_) out_.number_texts.emplace_back(text, value);
    return true;
  }

  bool optional_string(std::optional<std::string_view>& value, bool omitted_when_absent) {
    if (null()) {
      value.reset();
      written_ &= !omitted_when_absent;
      return true;
    }
    std::string_view text;
    if (!string(text)) return false;
    value = text;
    return true;
  }

  bool strings(std::vector<std::string_view>& list) {
    list.clear();
    if (!take('[')) return false;
    if (take(']')) return true;
    do {
      if (!string(list.emplace_back())) return false;
    } while (take(','));
    return take(']');
  }

  // `{"name":{the four token fields,"cost_usd":n},...}` in name order, each name once; any
  // other form is the DOM reader's.
  bool models() {
    out_.models.clear();
    if (!take('{')) return false;
    if (take('}')) return true;
    do {
      ModelCostView& model = out_.models.emplace_back();
      if (!string(model.name) || !take(':')) return false;
      if (out_.models.size() > 1 && !(out_.models[out_.models.size() - 2].name < model.name)) {
        return false;
      }
      Usage& u = model.cost.usage;
      bool ok = lit("{\"input_tokens\":") && integer(0, kMaxTokens, u.input_tokens) &&
                lit(",\"output_tokens\":") && integer(0, kMaxTokens, u.output_tokens) &&
                lit(",\"cache_creation_input_tokens\":") &&
                integer(0, kMaxTokens, u.cache_creation_input_tokens) &&
                lit(",\"cache_read_input_tokens\":") &&
                integer(0, kMaxTokens, u.cache_read_input_tokens) && lit(",\"cost_usd\":") &&
                number(model.cost.cost_usd) && take('}');
      if (!ok) return false;
    } while (take(','));
    return take('}');
  }

  bool value(Field field, bool omitted_when_absent) {
    RecordView& v = out_;
    switch (field) {
      case Field::kRunId:
        return string(v.run_id);
      case Field::kIteration:
        return integer(0, INT32_MAX, v.iteration);
      case Field::kStartedAt:
        return string(v.started_at);
      case Field::kEndedAt:
        return string(v.ended_at);
      case Field::kDurationMs:
        return integer(0, INT64_MAX, v.duration_ms);
      case Field::kItemId:
        return optional_string(v.item_id, omitted_when_absent);
      case Field::kModel:
        return string(v.model);
      case Field::kInputTokens:
        return integer(0, kMaxTokens, v.usage.input_tokens);
      case Field::kOutputTokens:
        return integer(0, kMaxTokens, v.usage.output_tokens);
      case Field::kCacheCreation:
        return integer(0, kMaxTokens, v.usage.cache_creation_input_tokens);
      case Field::kCacheRead:
        return integer(0, kMaxTokens, v.usage.cache_read_input_tokens);
      case Field::kCostUsd:
        return number(v.cost_usd);
      case Field::kCostSource:
        return string(v.cost_source);
      case Field::kNumTurns:
        return integer(0, INT32_MAX, v.num_turns);
      case Field::kOutcome:
        return string(v.outcome);
      case Field::kItemsCompleted:
        return strings(v.items_completed);
      case Field::kCommit:
        return optional_string(v.commit, omitted_when_absent);
      case Field::kSessionId:
        return optional_string(v.session_id, omitted_when_absent);
      case Field::kModels:
        return models();
      case Field::kCacheHitRatio: {  // written for people; read back from the usage
        double ignored = 0;
        return number(ignored, ratio_text_, false);
      }
      case Field::kPeakContextTokens:
        return integer(0, INT64_MAX, v.peak_context_tokens);
      case Field::kPeakContextFraction:
        return optional_number(v.peak_context_fraction, true);
      case Field::kCompactions:
        return integer(0, INT32_MAX, v.compactions);
      case Field::kAgentCommits:
        return strings(v.agent_commits);
      case Field::kClaimedComplete:
        return boolean(v.claimed_complete);
      case Field::kAgentSubtype:
        return string(v.agent_subtype);
      case Field::kExitCode:
        return integer(INT32_MIN, INT32_MAX, v.exit_code);
      case Field::kMeteredCostUsd:
        return optional_number(v.metered_cost_usd, false);
      case Field::kStrayProcesses:
        return integer(0, INT32_MAX, v.stray_processes);
      case Field::kLingered:
        return boolean(v.lingered);
      case Field::kHistoryRewritten:
        return boolean(v.history_rewritten);
      case Field::kRejectedBy:
        return optional_string(v.rejected_by, omitted_when_absent);
      case Field::kRejectedItems:
        return strings(v.rejected_items);
      case Field::kTier: {  // null leaves it as it was, as in the DOM reader
        if (null()) return true;
        int tier = 0;
        if (!integer(0, INT32_MAX, tier)) return false;
        v.tier = tier;
        return true;
      }
      case Field::kEscalatedFrom:
        return optional_string(v.escalated_from, omitted_when_absent);
      case Field::kModelReason:
        return string(v.model_reason);
      case Field::kComplexity:
        return optional_string(v.complexity, omitted_when_absent);
      case Field::kPromptDigest:
        return optional_string(v.prompt_digest, omitted_when_absent);
      case Field::kClaudeMdDigest:
        return optional_string(v.claude_md_digest, omitted_when_absent);
      case Field::kAnomalies:
        return strings(v.anomalies);
      case Field::kProgress:
        return optional_boolean(v.progress);
      case Field::kItemTry:
        return optional_boolean(v.item_try);
      case Field::kWorktree:
        return optional_string(v.worktree, omitted_when_absent);
    }
    return false;
  }

  // null leaves the value as it was, as in the DOM reader; append_record_json never writes it.
  bool optional_number(std::optional<double>& value, bool at_least_zero) {
    if (null()) {
      written_ = false;
      return true;
    }
    double n = 0;
    std::string_view text;
    if (!number(n, text)) return false;
    value = at_least_zero ? std::max(0.0, n) : n;
    if (written_) out_.number_texts.emplace_back(text, *value);
    return true;
  }

  bool optional_boolean(std::optional<bool>& value) {
    if (null()) {
      written_ = false;
      return true;
    }
    bool b = false;
    if (!boolean(b)) return false;
    value = b;
    return true;
  }

  RecordView& out_;
  std::string_view ratio_text_;
};

}  // namespace

bool scan_record(std::string_view line, RecordView& out) {
  return Scanner(line, out).record();
}

}  // namespace ralph::meter
