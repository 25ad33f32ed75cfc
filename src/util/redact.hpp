// Keeps API keys and tokens out of everything ralph writes (logs, saved stream files, commit
// messages): each occurrence of a secret becomes "[REDACTED]". Applied to every line of the
// agent's output, so it scans by hand (no std::regex) and costs one copy when nothing matches.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ralph {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// Whether an environment variable holds a secret that must be redacted. It does when
//  - its NAME contains, ignoring case, KEY, TOKEN, SECRET, PASSWORD, PASSWD, CREDENTIAL or
//    AUTH (except AUTH as part of AUTHOR, AUTHORS or AUTHORITY, as in GIT_AUTHOR_NAME and
//    XAUTHORITY; AUTHORIZATION still counts), or it is one of ANTHROPIC_API_KEY,
//    ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN, GITHUB_TOKEN, GH_TOKEN,
//    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, OPENAI_API_KEY; and
//  - its VALUE is plainly a secret, which it is not when it is
//    - shorter than 8 bytes (redacting "1" or "true" would redact everything),
//    - a word of configuration: true, false, yes, no, on, off, null, none, enabled,
//      disabled (ignoring case),
//    - an absolute or home path ("/run/user/1000/ssh-agent.sock", "~/.aws/credentials"),
//    - a number (digits with an optional sign and dots: "86400000", "1.5"); numbers are
//      counts and limits (MAX_THINKING_TOKENS), and redacting one would break the JSON of a
//      saved stream file.
bool is_secret_variable(std::string_view name, std::string_view value);

// Finds and replaces secrets of two kinds:
//  - literal secrets (from the environment): every occurrence, also inside longer words, and
//    also in their JSON-escaped spelling (`"` as `\"`, `\` as `\\`, control characters, `/`
//    as `\/`) so a secret inside a JSON string of the stream is found too;
//  - known key shapes, found even when not in the environment, each starting at a token
//    boundary (not right after [A-Za-z0-9_-], except after a JSON escape such as `\n` or
//    `\u003d` or a URL escape such as `%3D`):
//      sk-ant-... / sk-...   "sk-" and at least 20 of [A-Za-z0-9_-] (Anthropic, OpenAI)
//      ghp_ gho_ ghu_ ghs_ ghr_   and at least 30 of [A-Za-z0-9] (GitHub tokens)
//      github_pat_           and at least 20 of [A-Za-z0-9_] (GitHub fine-grained tokens)
//      xoxb- xoxp- xoxa- xoxr- xoxs-   and at least 10 of [A-Za-z0-9-] (Slack)
//      AKIA, ASIA            and exactly 16 of [A-Z0-9], not followed by [A-Za-z0-9] (AWS
//                            access key ids, long-term and temporary)
//      Bearer (any case), spaces, and a token of at least 20 of [A-Za-z0-9._~+/-] then any
//                            '=': only the token is replaced ("Bearer [REDACTED]").
//    A shape covers the whole run of its characters, so a longer key is redacted whole.
// Overlapping and adjacent occurrences are merged into one "[REDACTED]".
// Immutable after construction: safe to share between threads.
class Redactor {
 public:
  // Redacts exactly `secrets` (and their JSON-escaped spellings) plus the key shapes; empty
  // strings are ignored. No other filtering: from_environment chooses what is a secret.
  explicit Redactor(std::vector<std::string> secrets = {});

  // Secrets are the values of the variables in `envp` ("NAME=VALUE" strings ending with a
  // null pointer, as `environ`) for which is_secret_variable() holds. `envp` may be null.
  static Redactor from_environment(char** envp);

  // `text` with every secret replaced by kRedacted; a plain copy when there is none.
  std::string redact(std::string_view text) const;
  // Whether redact() would change `text`; stops at the first secret found.
  bool contains_secret(std::string_view text) const;

 private:
  struct Span {
    size_t begin;
    size_t end;
  };
  // Appends the spans of secrets in `text` (unsorted, possibly overlapping); with
  // `first_only`, returns as soon as one is found.
  void find(std::string_view text, bool first_only, std::vector<Span>& spans) const;

  std::vector<std::string> literals_;
};

}  // namespace ralph
