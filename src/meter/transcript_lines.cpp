// Reading one transcript line: the cheap filter and the on-demand parse (ARCHITECTURE
// "src/meter/").
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "meter/transcript_usage.hpp"
#include "util/clock.hpp"
#include "util/json_safe.hpp"

namespace ralph::meter {

namespace od = simdjson::ondemand;

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int64_t clamp_tokens(int64_t value) {
  return std::max<int64_t>(0, value);
}

// Reads the counts of a usage object; false when it is malformed. Whatever it read is left
// consistent either way: cache writes at least their breakdown, 1-hour writes at most them.
bool read_usage(od::object usage, ParsedLine& out) {
  int64_t breakdown = 0;
  bool has_breakdown = false;
  bool good = true;
  for (auto field : usage) {
    std::string_view key;
    if (field.unescaped_key().get(key)) {
      good = false;
      break;
    }
    int64_t value = 0;
    if (key == "input_tokens") {
      if (!field.value().get_int64().get(value)) out.usage.input_tokens = clamp_tokens(value);
    } else if (key == "output_tokens") {
      if (!field.value().get_int64().get(value)) out.usage.output_tokens = clamp_tokens(value);
    } else if (key == "cache_creation_input_tokens") {
      if (!field.value().get_int64().get(value)) {
        out.usage.cache_creation_input_tokens = clamp_tokens(value);
      }
    } else if (key == "cache_read_input_tokens") {
      if (!field.value().get_int64().get(value)) {
        out.usage.cache_read_input_tokens = clamp_tokens(value);
      }
    } else if (key == "cache_creation") {
      od::object parts;
      if (field.value().get_object().get(parts)) continue;
      has_breakdown = true;
      for (auto part : parts) {
        std::string_view name;
        if (part.unescaped_key().get(name) || part.value().get_int64().get(value)) continue;
        breakdown = saturating_add(breakdown, clamp_tokens(value));
        if (name == "ephemeral_1h_input_tokens") out.cache_write_1h = clamp_tokens(value);
      }
    }
  }
  // A zeroed breakdown beside a total that says otherwise: the larger counts (README "Usage
  // from Claude Code's transcripts").
  if (has_breakdown) {
    out.usage.cache_creation_input_tokens =
        std::max(out.usage.cache_creation_input_tokens, breakdown);
  }
  out.cache_write_1h = std::min(out.cache_write_1h, out.usage.cache_creation_input_tokens);
  return good;
}

// The message of an assistant line; false when it is malformed or not the assistant's.
// `has_usage`: it had a well-formed usage object.
bool read_message(od::object message, ParsedLine& out, bool& has_usage) {
  bool assistant_role = true;
  for (auto field : message) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key == "id") {
      if (field.value().get_string().get(out.message_id)) out.message_id = {};
    } else if (key == "model") {
      if (field.value().get_string().get(out.model)) out.model = {};
    } else if (key == "role") {
      std::string_view role;
      if (!field.value().get_string().get(role)) assistant_role = role == "assistant";
    } else if (key == "usage") {
      od::object usage;
      has_usage = false;
      if (field.value().get_object().get(usage) || !read_usage(usage, out)) return false;
      has_usage = true;
    }
  }
  return assistant_role;
}

// The fields of an assistant line that matter; out.ok when it is one with usage.
void parse_line(od::parser& parser, simdjson::padded_string_view json, ParsedLine& out) {
  od::document doc;
  if (parser.iterate(json).get(doc)) return;
  od::object line;
  if (doc.get_object().get(line)) return;
  bool assistant = false, has_usage = false, has_time = false;
  for (auto field : line) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return;
    od::value value;
    if (field.value().get(value)) return;
    if (key == "type") {
      std::string_view type;
      if (value.get_string().get(type) || type != "assistant") return;
      assistant = true;
    } else if (key == "message") {
      od::object message;
      if (value.get_object().get(message)) return;
      if (!read_message(message, out, has_usage)) return;
    } else if (key == "requestId") {
      if (value.get_string().get(out.request_id)) out.request_id = {};
    } else if (key == "isSidechain") {
      bool sidechain = false;
      if (!value.get_bool().get(sidechain)) out.sidechain = sidechain;
    } else if (key == "timestamp") {
      std::string_view text;
      if (!value.get_string().get(text)) {
        if (auto at = parse_rfc3339_utc(text)) {
          out.at_ms = epoch_ms(*at);
          has_time = true;
        }
      }
    } else if (key == "sessionId") {
      if (value.get_string().get(out.session_id)) out.session_id = {};
    } else if (key == "cwd") {
      if (value.get_string().get(out.cwd)) out.cwd = {};
    } else if (key == "version") {
      if (value.get_string().get(out.version)) out.version = {};
    }
  }
  out.ok = assistant && has_usage && has_time;
}

}  // namespace

bool may_be_assistant_line(std::string_view line) {
  static constexpr std::string_view kWord = "\"assistant\"";
  const char* data = line.data();
  size_t at = 0;
  while (at + kWord.size() <= line.size()) {
    const void* hit = ::memmem(data + at, line.size() - at, kWord.data(), kWord.size());
    if (!hit) return false;
    size_t pos = static_cast<size_t>(static_cast<const char*>(hit) - data);
    // Walk back over `"type" :` with any spaces.
    size_t i = pos;
    while (i > 0 && is_space(data[i - 1])) --i;
    if (i > 0 && data[i - 1] == ':') {
      --i;
      while (i > 0 && is_space(data[i - 1])) --i;
      if (i >= 6 && std::string_view(data + i - 6, 6) == "\"type\"") return true;
    }
    at = pos + 1;
  }
  return false;
}

struct TranscriptLineParser::Impl {
  od::parser parser;
  std::string copy;  // a line without enough readable bytes after it, padded
};

TranscriptLineParser::TranscriptLineParser() : impl_(std::make_unique<Impl>()) {}
TranscriptLineParser::~TranscriptLineParser() = default;

void TranscriptLineParser::parse(std::string_view line, size_t readable_after, ParsedLine& out) {
  out = ParsedLine{};
  if (readable_after >= simdjson::SIMDJSON_PADDING) {
    parse_line(impl_->parser,
               simdjson::padded_string_view(line.data(), line.size(),
                                            line.size() + simdjson::SIMDJSON_PADDING),
               out);
    return;
  }
  impl_->copy.assign(line);
  impl_->copy.append(simdjson::SIMDJSON_PADDING, ' ');
  parse_line(impl_->parser,
             simdjson::padded_string_view(impl_->copy.data(), line.size(), impl_->copy.size()),
             out);
}

}  // namespace ralph::meter
