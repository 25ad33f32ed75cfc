// util/redact: secrets from the environment and known key shapes become [REDACTED].
#include "util/redact.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ralph {
namespace {

// Fake keys are assembled at run time so secret scanners do not flag this file.
std::string fake(std::string_view prefix, size_t length, char fill = 'a') {
  std::string key(prefix);
  const std::string_view alphabet = "Q7x2Lm9ZpR4tKw8N";
  for (size_t i = 0; i < length; ++i) key += (i % 3 == 0) ? alphabet[i % alphabet.size()] : fill;
  return key;
}

const Redactor kShapesOnly;

TEST(RedactTest, ReplacesEveryOccurrenceOfALiteralSecret) {
  Redactor redactor({"hunter2hunter2"});
  EXPECT_EQ(redactor.redact("pw=hunter2hunter2 and xhunter2hunter2y"),
            "pw=[REDACTED] and x[REDACTED]y");
  EXPECT_TRUE(redactor.contains_secret("..hunter2hunter2.."));
  EXPECT_FALSE(redactor.contains_secret("hunter2hunter"));
}

TEST(RedactTest, SecretsAtTheStartAndEnd) {
  Redactor redactor({"s3cr3t-value"});
  EXPECT_EQ(redactor.redact("s3cr3t-value"), "[REDACTED]");
  EXPECT_EQ(redactor.redact("s3cr3t-value tail"), "[REDACTED] tail");
  EXPECT_EQ(redactor.redact("head s3cr3t-value"), "head [REDACTED]");
  EXPECT_EQ(redactor.redact(""), "");
}

TEST(RedactTest, OverlappingAndAdjacentSecretsBecomeOneMarker) {
  Redactor redactor({"abcdefgh1234", "1234wxyzabcd", "zzzzyyyy"});
  EXPECT_EQ(redactor.redact("<abcdefgh1234wxyzabcd>"), "<[REDACTED]>");
  EXPECT_EQ(redactor.redact("<abcdefgh1234zzzzyyyy>"), "<[REDACTED]>");
  EXPECT_EQ(redactor.redact("<zzzzyyyyzzzzyyyy>"), "<[REDACTED]>");
}

TEST(RedactTest, OverlappingOccurrencesOfAPeriodicSecretAreAllCovered) {
  Redactor redactor({"abababab"});
  EXPECT_EQ(redactor.redact("x ababababab y"), "x [REDACTED] y");
  Redactor sharing_one({"abcdefga"});  // the second occurrence starts on the first's last byte
  EXPECT_EQ(sharing_one.redact("abcdefgabcdefga!"), "[REDACTED]!");
}

TEST(RedactTest, ASecretThatIsAPrefixOfAnother) {
  for (auto secrets : {std::vector<std::string>{"abcdefgh", "abcdefgh-longer"},
                       std::vector<std::string>{"abcdefgh-longer", "abcdefgh"}}) {
    Redactor redactor(secrets);
    EXPECT_EQ(redactor.redact("x abcdefgh-longer y abcdefgh z"), "x [REDACTED] y [REDACTED] z");
  }
}

TEST(RedactTest, EmptySecretsAreIgnored) {
  Redactor redactor({"", "realsecret"});
  EXPECT_EQ(redactor.redact("plain text"), "plain text");
  EXPECT_EQ(redactor.redact("a realsecret"), "a [REDACTED]");
}

TEST(RedactTest, FindsSecretsInsideJsonStrings) {
  Redactor redactor({"pa\"ss\\word/1\n"});
  EXPECT_EQ(redactor.redact(R"({"command":"echo pa\"ss\\word/1\n"})"),
            R"({"command":"echo [REDACTED]"})");
  EXPECT_EQ(redactor.redact(R"({"command":"echo pa\"ss\\word\/1\n"})"),
            R"({"command":"echo [REDACTED]"})");
  Redactor key({"key-0123456789"});
  EXPECT_EQ(key.redact(R"({"env":"ANTHROPIC_API_KEY=key-0123456789","x":1})"),
            R"({"env":"ANTHROPIC_API_KEY=[REDACTED]","x":1})");
}

TEST(RedactTest, AnthropicAndOpenAiKeys) {
  std::string anthropic = fake("sk-ant-api03-", 40, '_');
  EXPECT_EQ(kShapesOnly.redact("key " + anthropic + "\" end"), "key [REDACTED]\" end");
  std::string openai = fake("sk-proj-", 30, '-');
  EXPECT_EQ(kShapesOnly.redact("'" + openai + "'"), "'[REDACTED]'");
  EXPECT_EQ(kShapesOnly.redact(fake("sk-", 20)), "[REDACTED]");
  EXPECT_EQ(kShapesOnly.redact(fake("sk-", 19)), fake("sk-", 19));
  EXPECT_EQ(kShapesOnly.redact(fake("sk-ant-", 16)), "[REDACTED]");  // 20 after "sk-"
}

TEST(RedactTest, GitHubTokens) {
  for (std::string_view prefix : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {
    EXPECT_EQ(kShapesOnly.redact(fake(prefix, 30) + " x"), "[REDACTED] x") << prefix;
    EXPECT_EQ(kShapesOnly.redact(fake(prefix, 29)), fake(prefix, 29)) << prefix;
  }
  EXPECT_EQ(kShapesOnly.redact(fake("ghp_", 36) + "_rest"), "[REDACTED]_rest");
  EXPECT_EQ(kShapesOnly.redact(fake("ghx_", 36)), fake("ghx_", 36));
  EXPECT_EQ(kShapesOnly.redact(fake("github_pat_", 82, '_')), "[REDACTED]");
  EXPECT_EQ(kShapesOnly.redact(fake("github_pat_", 19)), fake("github_pat_", 19));
}

TEST(RedactTest, SlackTokens) {
  for (std::string_view prefix : {"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"}) {
    EXPECT_EQ(kShapesOnly.redact("t=" + fake(prefix, 10, '-')), "t=[REDACTED]") << prefix;
    EXPECT_EQ(kShapesOnly.redact(fake(prefix, 9)), fake(prefix, 9)) << prefix;
  }
  EXPECT_EQ(kShapesOnly.redact(fake("xoxz-", 20)), fake("xoxz-", 20));
}

TEST(RedactTest, AwsAccessKeyIds) {
  std::string id = "AKIA" + std::string("IOSFODNN7EXAMPLE");
  EXPECT_EQ(kShapesOnly.redact("aws_access_key_id = " + id + "\n"),
            "aws_access_key_id = [REDACTED]\n");
  EXPECT_EQ(kShapesOnly.redact("ASIA" + std::string("0123456789ABCDEF")), "[REDACTED]");
  EXPECT_EQ(kShapesOnly.redact(id.substr(0, 19)), id.substr(0, 19));  // too short
  EXPECT_EQ(kShapesOnly.redact(id + "X"), id + "X");                  // too long
  EXPECT_EQ(kShapesOnly.redact(id + "x"), id + "x");                  // part of a word
  std::string lower = "AKIA" + std::string("iosfodnn7example");
  EXPECT_EQ(kShapesOnly.redact(lower), lower);
}

TEST(RedactTest, BearerTokensKeepTheScheme) {
  std::string token = fake("", 24, '.') + "+/==";
  EXPECT_EQ(kShapesOnly.redact("Authorization: Bearer " + token + "\r"),
            "Authorization: Bearer [REDACTED]\r");
  EXPECT_EQ(kShapesOnly.redact(R"({"authorization":"bearer  )" + token + R"("})"),
            R"({"authorization":"bearer  [REDACTED]"})");
  EXPECT_EQ(kShapesOnly.redact("Bearer short-token"), "Bearer short-token");
  EXPECT_EQ(kShapesOnly.redact("Bearer $ANTHROPIC_AUTH_TOKEN_VALUE_HERE"),
            "Bearer $ANTHROPIC_AUTH_TOKEN_VALUE_HERE");
  EXPECT_EQ(kShapesOnly.redact("the Bearer of bad news"), "the Bearer of bad news");
  EXPECT_EQ(kShapesOnly.redact("xBearer " + token), "xBearer " + token);
}

TEST(RedactTest, ShapesStartOnlyAtTokenBoundaries) {
  std::string key = fake("sk-", 30);
  for (std::string_view before : {"x", "9", "_", "-", "ta"}) {
    std::string text = std::string(before) + key;
    EXPECT_EQ(kShapesOnly.redact(text), text) << before;
  }
  for (std::string_view before :
       {" ", "\"", "=", ":", "'", "(", "/", ".", "\\n", "\\t", "\\u003d", "%3D", "\\\\\\n"}) {
    EXPECT_EQ(kShapesOnly.redact(std::string(before) + key), std::string(before) + "[REDACTED]")
        << before;
  }
  // An escaped backslash followed by 'n' is not an escape sequence.
  EXPECT_EQ(kShapesOnly.redact("\\\\n" + key), "\\\\n" + key);
  std::string github = fake("ghp_", 36);
  EXPECT_EQ(kShapesOnly.redact("my_" + github), "my_" + github);
  std::string aws = "AKIA" + std::string("IOSFODNN7EXAMPLE");
  EXPECT_EQ(kShapesOnly.redact("KEYAKIA" + aws.substr(4)), "KEYAKIA" + aws.substr(4));
}

TEST(RedactTest, OrdinaryTextIsUntouched) {
  for (std::string_view text :
       {"task-list", "skill-", "ask-anything", "sk-learn", "risk-assessment-framework-for-teams",
        "disk-usage-report-generator-script", "ghp_short", "github_pat_", "xoxb-", "AKIA", "Bearer",
        "use the sk- prefix", "background-image: url(skyline-panorama-wide.png)"}) {
    EXPECT_EQ(kShapesOnly.redact(text), text);
    EXPECT_FALSE(kShapesOnly.contains_secret(text)) << text;
  }
}

TEST(RedactTest, StreamJsonLinesAreUntouched) {
  Redactor redactor({"not-in-this-line-0123"});
  std::vector<std::string> lines = {
      R"({"type":"assistant","message":{"id":"msg_01","model":"claude-sonnet-5-5","content":[{"type":"tool_use","name":"Bash","input":{"command":"ls -la"}}]}})",
      R"({"type":"system","subtype":"init","cwd":"/work/project","session_id":"5f3c2a1e-8b4d-4c6f-9a2e-1d7b3c5e9f01","tools":["Task","Bash","Glob","Grep","Read","Edit","Write","TodoWrite","WebSearch"],"mcp_servers":[],"model":"claude-sonnet-4-5-20250929","permissionMode":"bypassPermissions","apiKeySource":"ANTHROPIC_API_KEY"})",
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01XyZ9AbCdEfGhIjKlMnOpQr","type":"tool_result","content":"total 8\ndrwxr-xr-x  2 user user 4096 task-list.md\nskill-tree.txt\n","is_error":false}]}})",
      R"({"type":"result","subtype":"success","is_error":false,"duration_ms":123456789,"num_turns":12,"total_cost_usd":0.4213,"usage":{"input_tokens":1234,"cache_read_input_tokens":98765432,"output_tokens":4321}})"};
  for (const std::string& line : lines) {
    EXPECT_FALSE(redactor.contains_secret(line)) << line;
    EXPECT_EQ(redactor.redact(line), line);
  }
}

TEST(RedactTest, MultiMegabyteLines) {
  std::string key = fake("sk-ant-api03-", 60);
  std::string chunk =
      R"({"type":"text","text":"skip the sky, bask, ask, Bearer of news, AKIA, gh, xo\n"},)";
  std::string line;
  while (line.size() < 8 * 1024 * 1024) line += chunk;
  Redactor redactor({"env-secret-value"});
  EXPECT_FALSE(redactor.contains_secret(line));
  EXPECT_EQ(redactor.redact(line).size(), line.size());

  std::string with_keys = key + line + "env-secret-value" + line + "\\n" + key;
  std::string redacted = redactor.redact(with_keys);
  EXPECT_EQ(redacted, "[REDACTED]" + line + "[REDACTED]" + line + "\\n[REDACTED]");

  // A periodic secret over a long run of its own characters stays linear.
  Redactor periodic({"aaaaaaaa"});
  EXPECT_EQ(periodic.redact("<" + std::string(4 * 1024 * 1024, 'a') + ">"), "<[REDACTED]>");
  // A key followed by megabytes of key characters is one match.
  std::string long_key = "sk-" + std::string(4 * 1024 * 1024, 'k');
  EXPECT_EQ(kShapesOnly.redact(long_key + "\""), "[REDACTED]\"");
}

TEST(RedactTest, SecretVariableNames) {
  for (std::string_view name :
       {"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN", "GITHUB_TOKEN",
        "GH_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "OPENAI_API_KEY", "my_api_key",
        "Db_Password", "SMTP_PASSWD", "CLIENT_SECRET", "GOOGLE_CREDENTIALS", "BASIC_AUTH", "AUTH",
        "HTTP_AUTHORIZATION", "OAUTH_CLIENT"}) {
    EXPECT_TRUE(is_secret_variable(name, "Zx8-value-Q2")) << name;
  }
  for (std::string_view name : {"HOME", "PATH", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "XAUTHORITY",
                                "CARGO_AUTHORS", "EDITOR", "LANG"}) {
    EXPECT_FALSE(is_secret_variable(name, "Zx8-value-Q2")) << name;
  }
}

TEST(RedactTest, PlainValuesAreNotSecrets) {
  for (std::string_view value : {"", "1", "short", "1234567", "true", "FALSE", "disabled",
                                 "Enabled", "/run/user/1000/ssh-agent.sock", "~/.aws/credentials",
                                 "100000000", "-12345678", "3.14159265", "1.2.3.4.5"}) {
    EXPECT_FALSE(is_secret_variable("API_TOKEN", value)) << value;
  }
  for (std::string_view value : {"12345678a", "password", "relative/path/to", "http://u:p@h/x",
                                 "correct horse battery staple"}) {
    EXPECT_TRUE(is_secret_variable("API_TOKEN", value)) << value;
  }
}

TEST(RedactTest, FromEnvironment) {
  std::vector<std::string> entries = {
      "ANTHROPIC_API_KEY=sk-ant-not-a-shape",  // too short for the shape: found by name
      "Service_Password=correct horse battery",
      "GIT_AUTHOR_NAME=Jane Developer",
      "XAUTHORITY=/run/user/1000/xauth",
      "SSH_AUTH_SOCK=/tmp/ssh-agent.sock",
      "FEATURE_TOKEN=disabled",
      "MAX_THINKING_TOKENS=100000000",
      "API_KEY=short",
      "EMPTY_SECRET=",
      "HOME=/home/jane",
      "EDITOR=emacsclient-long-name",
      "NO_EQUALS_SIGN_TOKEN",
      "DOUBLE_SECRET=a=b=c=d=e",
      "RALPH_LEDGER=postgresql://loop:s3cr/et-pw@db.example/ralph?sslmode=verify-full",
      "UPSTREAM=https://example.com/path@v2",
  };
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  Redactor redactor = Redactor::from_environment(envp.data());

  EXPECT_EQ(redactor.redact("key=sk-ant-not-a-shape;"), "key=[REDACTED];");
  EXPECT_EQ(redactor.redact("pw: correct horse battery"), "pw: [REDACTED]");
  EXPECT_EQ(redactor.redact("x a=b=c=d=e"), "x [REDACTED]");
  // A URL's password, whatever the variable is called; the rest of the URL is kept.
  EXPECT_EQ(redactor.redact("postgresql://loop:s3cr/et-pw@db.example/ralph"),
            "postgresql://loop:[REDACTED]@db.example/ralph");
  for (std::string_view kept :
       {"Author: Jane Developer", "/run/user/1000/xauth", "/tmp/ssh-agent.sock", "disabled",
        "\"budget_tokens\":100000000", "short", "/home/jane", "emacsclient-long-name",
        "NO_EQUALS_SIGN_TOKEN", "sk-ant-not-a", "https://example.com/path@v2"}) {
    EXPECT_EQ(redactor.redact(kept), kept);
  }
  // Shapes apply whatever the environment holds.
  EXPECT_EQ(redactor.redact(fake("ghp_", 36)), "[REDACTED]");
}

TEST(RedactTest, FromANullEnvironment) {
  Redactor redactor = Redactor::from_environment(nullptr);
  EXPECT_EQ(redactor.redact("plain"), "plain");
  EXPECT_EQ(redactor.redact(fake("sk-", 30)), "[REDACTED]");
}

}  // namespace
}  // namespace ralph
