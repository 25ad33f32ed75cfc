#include "meter/record_text.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <climits>
#include <cmath>

#include "meter/record_scan.hpp"
#include "util/json_safe.hpp"
#include "util/utf8.hpp"

namespace ralph::meter {

namespace sj = simdjson;

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {  // UTF-8 as it is; a broken byte as U+FFFD
      size_t n = utf8_sequence(text.substr(i));
      out += n == 0 ? std::string_view("\\ufffd") : text.substr(i, n);
      i += n == 0 ? 1 : n;
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_json_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", value);
}

namespace {

void append_optional(std::string& out, const std::optional<std::string>& text) {
  if (text) {
    append_json_string(out, *text);
  } else {
    out += "null";
  }
}

void append_strings(std::string& out, const std::vector<std::string>& list) {
  out.push_back('[');
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_string(out, list[i]);
  }
  out.push_back(']');
}

void append_usage(std::string& out, const Usage& u) {
  fmt::format_to(std::back_inserter(out),
                 "\"input_tokens\":{},\"output_tokens\":{},\"cache_creation_input_tokens\":{},"
                 "\"cache_read_input_tokens\":{}",
                 u.input_tokens, u.output_tokens, u.cache_creation_input_tokens,
                 u.cache_read_input_tokens);
}

}  // namespace

void append_record_json(std::string& out, const IterationRecord& r) {
  auto it = std::back_inserter(out);
  out += "{\"run_id\":";
  append_json_string(out, r.run_id);
  fmt::format_to(it, ",\"iteration\":{},\"started_at\":", r.iteration);
  append_json_string(out, r.started_at);
  out += ",\"ended_at\":";
  append_json_string(out, r.ended_at);
  fmt::format_to(it, ",\"duration_ms\":{},\"item_id\":", r.duration_ms);
  append_optional(out, r.item_id);
  out += ",\"model\":";
  append_json_string(out, r.model);
  out.push_back(',');
  append_usage(out, r.usage);
  out += ",\"cost_usd\":";
  append_json_number(out, r.cost_usd);
  out += ",\"cost_source\":";
  append_json_string(out, r.cost_source);
  fmt::format_to(it, ",\"num_turns\":{},\"outcome\":", r.num_turns);
  append_json_string(out, r.outcome);
  out += ",\"items_completed\":";
  append_strings(out, r.items_completed);
  out += ",\"commit\":";
  append_optional(out, r.commit);
  out += ",\"session_id\":";
  append_optional(out, r.session_id);
  out += ",\"models\":{";
  bool first = true;
  for (const auto& [name, cost] : r.models) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name);
    out += ":{";
    append_usage(out, cost.usage);
    out += ",\"cost_usd\":";
    append_json_number(out, cost.cost_usd);
    out.push_back('}');
  }
  out += "},\"cache_hit_ratio\":";
  append_json_number(out, r.usage.cache_hit_ratio());
  fmt::format_to(it, ",\"peak_context_tokens\":{}", r.peak_context_tokens);
  if (r.peak_context_fraction) {
    out += ",\"peak_context_fraction\":";
    append_json_number(out, *r.peak_context_fraction);
  }
  fmt::format_to(it, ",\"compactions\":{},\"agent_commits\":", r.compactions);
  append_strings(out, r.agent_commits);
  out += r.claimed_complete ? ",\"claimed_complete\":true" : ",\"claimed_complete\":false";
  out += ",\"agent_subtype\":";
  append_json_string(out, r.agent_subtype);
  fmt::format_to(it, ",\"exit_code\":{}", r.exit_code);
  if (r.metered_cost_usd) {
    out += ",\"metered_cost_usd\":";
    append_json_number(out, *r.metered_cost_usd);
  }
  fmt::format_to(it, ",\"stray_processes\":{}", r.stray_processes);
  out += r.lingered ? ",\"lingered\":true" : ",\"lingered\":false";
  out += r.history_rewritten ? ",\"history_rewritten\":true" : ",\"history_rewritten\":false";
  if (r.rejected_by) {
    out += ",\"rejected_by\":";
    append_json_string(out, *r.rejected_by);
    out += ",\"rejected_items\":";
    append_strings(out, r.rejected_items);
  }
  out += ",\"tier\":";
  if (r.tier) {
    fmt::format_to(it, "{}", *r.tier);
  } else {
    out += "null";
  }
  out += ",\"escalated_from\":";
  append_optional(out, r.escalated_from);
  out += ",\"model_reason\":";
  append_json_string(out, r.model_reason);
  if (r.complexity) {
    out += ",\"complexity\":";
    append_json_string(out, *r.complexity);
  }
  if (r.prompt_digest) {
    out += ",\"prompt_digest\":";
    append_json_string(out, *r.prompt_digest);
  }
  if (r.claude_md_digest) {
    out += ",\"claude_md_digest\":";
    append_json_string(out, *r.claude_md_digest);
  }
  out += ",\"anomalies\":";
  append_strings(out, r.anomalies);
  if (r.progress) out += *r.progress ? ",\"progress\":true" : ",\"progress\":false";
  if (r.item_try) out += *r.item_try ? ",\"item_try\":true" : ",\"item_try\":false";
  if (r.worktree) {
    out += ",\"worktree\":";
    append_json_string(out, *r.worktree);
  }
  out.push_back('}');
}

std::string record_json(const IterationRecord& record) {
  std::string out;
  append_record_json(out, record);
  return out;
}

namespace {

constexpr int64_t kMaxTokens = 1'000'000'000'000'000;  // as usage_from_api
using sj::dom::element;
using sj::dom::element_type;

// The value as an integer clamped to [lo, hi]; `fallback` when it is not a number.
int64_t read_int(element value, int64_t lo, int64_t hi, int64_t fallback) {
  switch (value.type()) {
    case element_type::INT64:
      return std::clamp(value.get_int64().value_unsafe(), lo, hi);
    case element_type::UINT64: {
      uint64_t n = value.get_uint64().value_unsafe();
      return n > static_cast<uint64_t>(hi) ? hi : std::max(lo, static_cast<int64_t>(n));
    }
    case element_type::DOUBLE: {
      double d = value.get_double().value_unsafe();
      if (!std::isfinite(d)) return fallback;
      if (d <= static_cast<double>(lo)) return lo;
      if (d >= static_cast<double>(hi)) return hi;
      return static_cast<int64_t>(d);
    }
    default:
      return fallback;
  }
}

double read_double(element value) {
  double d = 0;
  if (!value.is_number() || value.get_double().get(d) || !std::isfinite(d)) return 0;
  return d;
}

// Text points into the parser's string buffer, valid until its next parse; anything but a
// string reads as empty.
void read_string(element value, std::string_view& out) {
  if (value.get_string().get(out)) out = {};
}

void read_optional_string(element value, std::optional<std::string_view>& out) {
  std::string_view text;
  if (value.get_string().get(text)) {
    out.reset();
  } else {
    out = text;
  }
}

void read_strings(element value, std::vector<std::string_view>& out) {
  out.clear();
  sj::dom::array array;
  if (value.get_array().get(array)) return;
  for (element item : array) {
    std::string_view text;
    if (!item.get_string().get(text)) out.push_back(text);
  }
}

// One of the four token fields; false when `key` is none of them.
bool read_usage_field(std::string_view key, element value, Usage& usage) {
  int64_t* field = key == "input_tokens"                  ? &usage.input_tokens
                   : key == "output_tokens"               ? &usage.output_tokens
                   : key == "cache_creation_input_tokens" ? &usage.cache_creation_input_tokens
                   : key == "cache_read_input_tokens"     ? &usage.cache_read_input_tokens
                                                          : nullptr;
  if (!field) return false;
  *field = read_int(value, 0, kMaxTokens, 0);
  return true;
}

// As a map from name to cost: in name order, a name given twice holds its last entry.
void read_models(element value, std::vector<ModelCostView>& models) {
  models.clear();
  sj::dom::object object;
  if (value.get_object().get(object)) return;
  for (auto [name, entry] : object) {
    sj::dom::object fields;
    if (entry.get_object().get(fields)) continue;
    ModelCost cost;
    for (auto [key, member] : fields) {
      if (key == "cost_usd") {
        cost.cost_usd = read_double(member);
      } else {
        read_usage_field(key, member, cost.usage);
      }
    }
    auto at =
        std::lower_bound(models.begin(), models.end(), name,
                         [](const ModelCostView& m, std::string_view n) { return m.name < n; });
    if (at != models.end() && at->name == name) {
      at->cost = cost;
    } else {
      models.insert(at, ModelCostView{name, cost});
    }
  }
}

// Fills one field of the view; unknown keys are ignored.
void read_field(std::string_view key, element value, RecordView& r) {
  if (read_usage_field(key, value, r.usage)) return;
  if (key == "run_id") {
    read_string(value, r.run_id);
  } else if (key == "iteration") {
    r.iteration = static_cast<int>(read_int(value, 0, INT32_MAX, 0));
  } else if (key == "started_at") {
    read_string(value, r.started_at);
  } else if (key == "ended_at") {
    read_string(value, r.ended_at);
  } else if (key == "duration_ms") {
    r.duration_ms = read_int(value, 0, INT64_MAX, 0);
  } else if (key == "item_id") {
    read_optional_string(value, r.item_id);
  } else if (key == "model") {
    read_string(value, r.model);
  } else if (key == "cost_usd") {
    r.cost_usd = read_double(value);
  } else if (key == "cost_source") {
    read_string(value, r.cost_source);
  } else if (key == "num_turns") {
    r.num_turns = static_cast<int>(read_int(value, 0, INT32_MAX, 0));
  } else if (key == "outcome") {
    read_string(value, r.outcome);
  } else if (key == "items_completed") {
    read_strings(value, r.items_completed);
  } else if (key == "commit") {
    read_optional_string(value, r.commit);
  } else if (key == "session_id") {
    read_optional_string(value, r.session_id);
  } else if (key == "models") {
    read_models(value, r.models);
  } else if (key == "peak_context_tokens") {
    r.peak_context_tokens = read_int(value, 0, INT64_MAX, 0);
  } else if (key == "peak_context_fraction") {
    if (value.is_number()) r.peak_context_fraction = std::max(0.0, read_double(value));
  } else if (key == "compactions") {
    r.compactions = static_cast<int>(read_int(value, 0, INT32_MAX, 0));
  } else if (key == "agent_commits") {
    read_strings(value, r.agent_commits);
  } else if (key == "claimed_complete") {
    r.claimed_complete = value.is_bool() && value.get_bool().value_unsafe();
  } else if (key == "agent_subtype") {
    read_string(value, r.agent_subtype);
  } else if (key == "exit_code") {
    r.exit_code = static_cast<int>(read_int(value, INT32_MIN, INT32_MAX, 0));
  } else if (key == "metered_cost_usd") {
    if (value.is_number()) r.metered_cost_usd = read_double(value);
  } else if (key == "stray_processes") {
    r.stray_processes = static_cast<int>(read_int(value, 0, INT32_MAX, 0));
  } else if (key == "lingered") {
    r.lingered = value.is_bool() && value.get_bool().value_unsafe();
  } else if (key == "history_rewritten") {
    r.history_rewritten = value.is_bool() && value.get_bool().value_unsafe();
  } else if (key == "rejected_by") {
    read_optional_string(value, r.rejected_by);
  } else if (key == "rejected_items") {
    read_strings(value, r.rejected_items);
  } else if (key == "tier") {
    if (value.is_number()) r.tier = static_cast<int>(read_int(value, 0, INT32_MAX, 0));
  } else if (key == "escalated_from") {
    read_optional_string(value, r.escalated_from);
  } else if (key == "model_reason") {
    read_string(value, r.model_reason);
  } else if (key == "complexity") {
    read_optional_string(value, r.complexity);
  } else if (key == "prompt_digest") {
    read_optional_string(value, r.prompt_digest);
  } else if (key == "claude_md_digest") {
    read_optional_string(value, r.claude_md_digest);
  } else if (key == "anomalies") {
    read_strings(value, r.anomalies);
  } else if (key == "progress") {
    if (value.is_bool()) r.progress = value.get_bool().value_unsafe();
  } else if (key == "worktree") {
    read_optional_string(value, r.worktree);
  } else if (key == "item_try") {
    if (value.is_bool()) r.item_try = value.get_bool().value_unsafe();
  }
}

}  // namespace

// The DOM parser, not On Demand: its parsing kernels are chosen at run time for the CPU,
// while On Demand's are fixed at compile time (the portable, slow ones for a generic build).
struct RecordParser::Impl {
  sj::dom::parser parser;
  std::string copy;  // a line without enough readable bytes after it, padded
  RecordView view;   // parse_into's
};

RecordParser::RecordParser() : impl_(std::make_unique<Impl>()) {
  // Nesting deeper than any record's is refused (DEPTH_ERROR) without a separate pass.
  // Should the allocation fail, the first parse allocates again (with the default depth).
  if (impl_->parser.allocate(1 << 16, kMaxJsonDepth) != sj::SUCCESS) return;
}
RecordParser::~RecordParser() = default;

std::string_view RecordParser::padded(std::string_view line, size_t readable_after) {
  static_assert(kScanReadAhead <= sj::SIMDJSON_PADDING);
  if (readable_after >= sj::SIMDJSON_PADDING) return line;
  // NUL bytes end the scan's runs of string text (a line cut inside a string stops there).
  impl_->copy.assign(line);
  impl_->copy.append(sj::SIMDJSON_PADDING, '\0');
  return {impl_->copy.data(), line.size()};
}

bool RecordParser::read(std::string_view line, size_t readable_after, RecordView& out) {
  line = padded(line, readable_after);
  return scan_record(line, out) || read_dom(line, sj::SIMDJSON_PADDING, out);
}

bool RecordParser::read_dom(std::string_view line, size_t readable_after, RecordView& out) {
  line = padded(line, readable_after);
  sj::dom::object doc;
  if (impl_->parser.parse(line.data(), line.size(), false).get_object().get(doc)) return false;
  reset(out);
  bool has_run_id = false;
  bool has_iteration = false;
  for (auto [key, value] : doc) {
    has_run_id |= key == "run_id";
    has_iteration |= key == "iteration";
    read_field(key, value, out);
  }
  return has_run_id && has_iteration;
}

std::optional<IterationRecord> RecordParser::parse(std::string_view line, size_t readable_after) {
  IterationRecord record;
  if (!parse_into(line, readable_after, record)) return std::nullopt;
  return record;
}

bool RecordParser::parse_into(std::string_view line, size_t readable_after, IterationRecord& r) {
  if (!read(line, readable_after, impl_->view)) return false;
  assign(r, impl_->view);
  return true;
}

}  // namespace ralph::meter
