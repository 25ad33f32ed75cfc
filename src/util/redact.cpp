#include "util/redact.hpp"

#include <string.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace ralph {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
// [A-Za-z0-9_-]: the characters of keys, and of the words a key must not start inside.
bool is_word(char c) {
  return is_alnum(c) || c == '_' || c == '-';
}
bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_upper_or_digit(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_bearer_char(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}
char to_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = to_upper(c);
  return result;
}

bool starts_with_nocase(std::string_view text, size_t at, std::string_view upper_prefix) {
  if (text.size() - at < upper_prefix.size()) return false;
  for (size_t i = 0; i < upper_prefix.size(); ++i) {
    if (to_upper(text[at + i]) != upper_prefix[i]) return false;
  }
  return true;
}

// Length of the run of characters satisfying `pred` from `at`, counting at most `limit`.
template <class Pred>
size_t run_length(std::string_view text, size_t at, Pred pred, size_t limit = SIZE_MAX) {
  size_t end = at;
  while (end < text.size() && end - at < limit && pred(text[end])) ++end;
  return end - at;
}

// Whether the backslash at `at` is itself unescaped (preceded by an even run of backslashes).
bool unescaped_backslash(std::string_view text, size_t at) {
  size_t count = 0;
  while (count <= at && text[at - count] == '\\') ++count;
  return count % 2 == 1;
}

// Whether a key may start at `at`: not inside a longer word, except right after a JSON escape
// (`\n`, `\u003d`) or a URL escape (`%3D`), whose last character is a letter or digit.
bool at_token_start(std::string_view text, size_t at) {
  if (at == 0 || !is_word(text[at - 1])) return true;
  char prev = text[at - 1];
  if (at >= 2 && std::string_view("nrtbf").find(prev) != std::string_view::npos &&
      text[at - 2] == '\\' && unescaped_backslash(text, at - 2)) {
    return true;
  }
  if (at >= 6 && text[at - 6] == '\\' && text[at - 5] == 'u' && is_hex(text[at - 4]) &&
      is_hex(text[at - 3]) && is_hex(text[at - 2]) && is_hex(prev) &&
      unescaped_backslash(text, at - 6)) {
    return true;
  }
  return at >= 3 && text[at - 3] == '%' && is_hex(text[at - 2]) && is_hex(prev);
}

struct Match {
  size_t begin;
  size_t end;
};

std::optional<Match> keyed_run(std::string_view text, size_t at, size_t prefix_size,
                               bool (*pred)(char), size_t minimum) {
  size_t run = run_length(text, at + prefix_size, pred);
  if (run < minimum) return std::nullopt;
  return Match{at, at + prefix_size + run};
}

// The key shape starting at `at` (already known to be a token start), if any.
std::optional<Match> match_shape(std::string_view text, size_t at) {
  std::string_view rest = text.substr(at);
  switch (rest[0]) {
    case 's':
      if (rest.starts_with("sk-")) return keyed_run(text, at, 3, is_word, 20);
      return std::nullopt;
    case 'g':
      if (rest.size() >= 4 && rest.starts_with("gh") &&
          std::string_view("pousr").find(rest[2]) != std::string_view::npos && rest[3] == '_') {
        return keyed_run(text, at, 4, is_alnum, 30);
      }
      if (rest.starts_with("github_pat_")) {
        return keyed_run(
            text, at, 11, [](char c) { return is_alnum(c) || c == '_'; }, 20);
      }
      return std::nullopt;
    case 'x':
      if (rest.size() >= 5 && rest.starts_with("xox") &&
          std::string_view("bpars").find(rest[3]) != std::string_view::npos && rest[4] == '-') {
        return keyed_run(
            text, at, 5, [](char c) { return is_alnum(c) || c == '-'; }, 10);
      }
      return std::nullopt;
    case 'A':
      if (rest.starts_with("AKIA") || rest.starts_with("ASIA")) {
        size_t run = run_length(text, at + 4, is_upper_or_digit, 17);
        bool ends = at + 20 >= text.size() || !is_alnum(text[at + 20]);
        if (run == 16 && ends) return Match{at, at + 20};
      }
      return std::nullopt;
    case 'B':
    case 'b': {
      if (!starts_with_nocase(text, at, "BEARER ")) return std::nullopt;
      size_t token = at + 6 + run_length(text, at + 6, [](char c) { return c == ' '; });
      size_t run = run_length(text, token, is_bearer_char);
      if (run < 20) return std::nullopt;
      size_t padding = run_length(text, token + run, [](char c) { return c == '='; });
      return Match{token, token + run + padding};
    }
    default:
      return std::nullopt;
  }
}

constexpr size_t kNone = std::string_view::npos;

// The first occurrence of `literal` inside text[from, to), or kNone. memmem is linear.
size_t search(std::string_view text, size_t from, size_t to, std::string_view literal) {
  to = std::min(to, text.size());
  if (from >= to || to - from < literal.size()) return kNone;
  const void* hit = ::memmem(text.data() + from, to - from, literal.data(), literal.size());
  return hit == nullptr ? kNone : static_cast<const char*>(hit) - text.data();
}

constexpr std::array<bool, 256> kShapeStarts = [] {
  std::array<bool, 256> starts{};
  for (unsigned char c : std::string_view("sgxABb")) starts[c] = true;
  return starts;
}();

// `text` as it appears inside a JSON string; `/` also escaped when `escape_slash`.
std::string json_escaped(std::string_view text, bool escape_slash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string result;
  for (char c : text) {
    switch (c) {
      case '"':
        result += "\\\"";
        break;
      case '\\':
        result += "\\\\";
        break;
      case '\n':
        result += "\\n";
        break;
      case '\r':
        result += "\\r";
        break;
      case '\t':
        result += "\\t";
        break;
      case '\b':
        result += "\\b";
        break;
      case '\f':
        result += "\\f";
        break;
      case '/':
        result += escape_slash ? "\\/" : "/";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          result += "\\u00";
          result += kHex[(c >> 4) & 0xf];
          result += kHex[c & 0xf];
        } else {
          result += c;
        }
    }
  }
  return result;
}

bool is_plain_value(std::string_view value) {
  if (value.size() < 8) return true;
  static constexpr std::string_view kWords[] = {"TRUE", "FALSE", "YES",  "NO",      "ON",
                                                "OFF",  "NULL",  "NONE", "ENABLED", "DISABLED"};
  std::string word = upper(value);
  if (std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords)) return true;
  if (value.starts_with('/') || value.starts_with("~/")) return true;
  bool has_digit = false;
  for (char c : value) {
    if (c >= '0' && c <= '9') {
      has_digit = true;
    } else if (c != '.' && c != '+' && c != '-') {
      return false;
    }
  }
  return has_digit;
}

bool is_secret_name(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",  "CLAUDE_CODE_OAUTH_TOKEN", "GITHUB_TOKEN",
      "GH_TOKEN",          "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",       "OPENAI_API_KEY"};
  static constexpr std::string_view kWords[] = {"KEY",      "TOKEN",  "SECRET",
                                                "PASSWORD", "PASSWD", "CREDENTIAL"};
  std::string upper_name = upper(name);
  if (std::find(std::begin(kNames), std::end(kNames), upper_name) != std::end(kNames)) {
    return true;
  }
  for (std::string_view word : kWords) {
    if (upper_name.find(word) != std::string::npos) return true;
  }
  // AUTH, but not as part of AUTHOR(S) or AUTHORITY; AUTHORIZATION is a credential.
  std::string_view rest = upper_name;
  for (size_t at = rest.find("AUTH"); at != std::string_view::npos; at = rest.find("AUTH")) {
    rest.remove_prefix(at + 4);
    if (!rest.starts_with("OR") || rest.starts_with("ORIZ")) return true;
  }
  return false;
}

// The password of a URL-valued variable (RALPH_LEDGER=postgresql://role:password@host/db,
// DATABASE_URL=...), which no name rule catches; empty: none.
std::string_view url_password(std::string_view value) {
  const size_t scheme = value.find("://");
  if (scheme == std::string_view::npos) return {};
  const size_t start = scheme + 3;
  const size_t query = std::min(value.find('?', start), value.size());
  const size_t at = value.rfind('@', query);
  const size_t colon = value.find(':', start);
  if (at == std::string_view::npos || at < start || colon >= at) return {};
  return value.substr(colon + 1, at - colon - 1);
}

}  // namespace

bool is_secret_variable(std::string_view name, std::string_view value) {
  return is_secret_name(name) && !is_plain_value(value);
}

Redactor::Redactor(std::vector<std::string> secrets) {
  for (std::string& secret : secrets) {
    if (secret.empty()) continue;
    literals_.push_back(json_escaped(secret, false));
    literals_.push_back(json_escaped(secret, true));
    literals_.push_back(std::move(secret));
  }
  std::sort(literals_.begin(), literals_.end());
  literals_.erase(std::unique(literals_.begin(), literals_.end()), literals_.end());
}

Redactor Redactor::from_environment(char** envp) {
  std::vector<std::string> secrets;
  for (char** entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view variable(*entry);
    size_t equals = variable.find('=');
    if (equals == std::string_view::npos) continue;
    std::string_view value = variable.substr(equals + 1);
    if (is_secret_variable(variable.substr(0, equals), value)) secrets.emplace_back(value);
    if (auto password = url_password(value); !password.empty()) secrets.emplace_back(password);
  }
  return Redactor(std::move(secrets));
}

void Redactor::find(std::string_view text, bool first_only, std::vector<Span>& spans) const {
  for (const std::string& literal : literals_) {
    for (size_t at = search(text, 0, text.size(), literal); at != kNone;) {
      // Occurrences overlapping this one (only possible for a periodic value like "abababab")
      // extend its span; each is looked for in a window under twice the literal's length, so a
      // line of repetitions costs a bounded amount per occurrence rather than a rescan.
      Span span{at, at + literal.size()};
      for (size_t next;
           (next = search(text, at + 1, span.end + literal.size() - 1, literal)) != kNone;) {
        at = next;
        span.end = at + literal.size();
      }
      spans.push_back(span);
      if (first_only) return;
      at = search(text, span.end, text.size(), literal);
    }
  }
  for (size_t at = 0; at < text.size();) {
    if (!kShapeStarts[static_cast<unsigned char>(text[at])] || !at_token_start(text, at)) {
      ++at;
      continue;
    }
    std::optional<Match> match = match_shape(text, at);
    if (!match) {
      ++at;
      continue;
    }
    spans.push_back({match->begin, match->end});
    if (first_only) return;
    at = match->end;
  }
}

std::string Redactor::redact(std::string_view text) const {
  std::vector<Span> spans;
  find(text, false, spans);
  if (spans.empty()) return std::string(text);
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string result;
  result.reserve(text.size());
  size_t copied = 0;
  for (size_t i = 0; i < spans.size();) {
    size_t begin = spans[i].begin;
    size_t end = spans[i].end;
    for (++i; i < spans.size() && spans[i].begin <= end; ++i) end = std::max(end, spans[i].end);
    result.append(text.substr(copied, begin - copied));
    result.append(kRedacted);
    copied = end;
  }
  result.append(text.substr(copied));
  return result;
}

bool Redactor::contains_secret(std::string_view text) const {
  std::vector<Span> spans;
  find(text, true, spans);
  return !spans.empty();
}

}  // namespace ralph
