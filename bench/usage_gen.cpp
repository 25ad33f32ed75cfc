// Writes realistic Claude Code transcripts (as Claude Code 2.1.330 writes them) with the
// exact token totals `ralph usage` must report for them, for bench/usage_bench.sh.
//
//   ralph_usage_gen --out DIR --megabytes N [--seed S]
//
// DIR/projects/<slug>/<session-uuid>.jsonl        sessions over six weeks, several models
// DIR/projects/<slug>/<session>/subagents/agent-<id>.jsonl
// DIR/expected.json   {"totals":{...},"daily":{"YYYY-MM-DD":{...}},"sessions":{"<id>":{...}},
//                      "blocks":[...],"meta":{...}}  (dates in UTC)
//
// The expected totals follow the rules ralph implements: one response written as several
// lines (same message.id, same requestId or none) counts once, field by field max; a resumed
// session's verbatim copy of an earlier session counts once, for the original session; a
// sidechain replay (`/btw`) of a message id also seen outside a sidechain does not count;
// "progress" lines repeating a subagent's messages do not count (the subagent file does, for
// the sessionId its lines carry); lines without a message id each count on their own; cache
// creation counts the larger of cache_creation_input_tokens and its breakdown's sum; spaced
// JSON counts like compact JSON; "<synthetic>" lines with zero usage do not count.
// Every random choice comes from the seed: the same arguments write the same bytes.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using oj = nlohmann::ordered_json;

constexpr std::string_view kVersion = "2.1.330";
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int kDays = 42;
// 2026-10-19T00:00:00Z, a Monday.
constexpr int64_t kStartMs = 1'792'368'000'000;

// mt19937_64 is specified exactly; the standard distributions are not, so they are
// written out here to keep the output identical across standard libraries.
struct Rng {
  std::mt19937_64 g;
  explicit Rng(uint64_t seed) : g(seed) {}
  uint64_t below(uint64_t n) { return n == 0 ? 0 : g() % n; }
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(hi - lo + 1)); }
  double real() { return static_cast<double>(g() >> 11) * 0x1p-53; }
  bool chance(double p) { return real() < p; }
  double log_uniform(double lo, double hi) { return lo * std::pow(hi / lo, real()); }
  double normal() {  // Box-Muller
    const double u = std::max(real(), 1e-300);
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * real());
  }
};

struct Usage {
  int64_t in = 0, out = 0, cc = 0, cr = 0;
  int64_t total() const { return in + out + cc + cr; }
  void add(const Usage& o) {
    in += o.in;
    out += o.out;
    cc += o.cc;
    cr += o.cr;
  }
};

oj usage_json(const Usage& u) {
  oj j;
  j["inputTokens"] = u.in;
  j["outputTokens"] = u.out;
  j["cacheCreationTokens"] = u.cc;
  j["cacheReadTokens"] = u.cr;
  j["totalTokens"] = u.total();
  return j;
}

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void civil(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
}

std::string day_of(int64_t ms) {
  int y;
  unsigned m, d;
  civil(ms / kDayMs, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

std::string iso(int64_t ms) {
  const int64_t in_day = ms % kDayMs;
  return fmt::format("{}T{:02}:{:02}:{:02}.{:03}Z", day_of(ms), in_day / kHourMs,
                     in_day / 60000 % 60, in_day / 1000 % 60, in_day % 1000);
}

constexpr std::string_view kB62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

struct Ids {
  Rng& r;
  std::string b62(size_t n) {
    std::string s(n, '0');
    for (auto& c : s) c = kB62[r.below(62)];
    return s;
  }
  std::string hex(size_t n) {
    std::string s(n, '0');
    for (auto& c : s) c = "0123456789abcdef"[r.below(16)];
    return s;
  }
  std::string uuid() {
    return fmt::format("{}-{}-4{}-{}{}-{}", hex(8), hex(4), hex(3), "89ab"[r.below(4)], hex(3),
                       hex(12));
  }
  std::string msg() { return "msg_01" + b62(22); }
  std::string req() { return "req_011C" + b62(20); }
  std::string tool() { return "toolu_01" + b62(22); }
};

// Inserts a space after every ':' and ',' outside strings: `"type": "assistant"`.
std::string spaced(const std::string& compact) {
  std::string out;
  out.reserve(compact.size() + compact.size() / 8);
  bool in_string = false, escaped = false;
  for (char c : compact) {
    out += c;
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ':' || c == ',') {
      out += ' ';
    }
  }
  return out;
}

struct Project {
  std::string slug, cwd, branch;
};

// The exact totals, fed once per response that counts.
struct Expected {
  Usage totals;
  std::map<std::string, Usage> daily;
  std::map<std::string, Usage> sessions;
  std::vector<std::pair<int64_t, Usage>> entries;
  void count(const std::string& session, int64_t ms, const Usage& u) {
    totals.add(u);
    daily[day_of(ms)].add(u);
    sessions[session].add(u);
    entries.emplace_back(ms, u);
  }
};

struct Gen {
  Rng r;
  Ids id{r};
  std::string text;  // pool of pseudo-text that large contents are cut from
  Expected expected;
  int64_t bytes = 0, lines = 0, files = 0, responses = 0;
  fs::path root;

  explicit Gen(uint64_t seed) : r(seed) {
    static constexpr std::string_view words[] = {
        "the",      "assistant",    "usage",
        "function", "return",       "const",
        "auto",     "if",           "else",
        "for",      "while",        "std::string",
        "error:",   "warning:",     "src/main.cpp:42:7:",
        "TODO",     "=>",           "{",
        "}",        "\"quoted\"",   "path\\to\\file",
        "tokens",   "input_tokens", "\"type\":\"assistant\"",
        "message",  "model",        "claude",
        "ééé",      "日本語",       "\ttab",
        "null",     "true",         "0x7ffe",
        "cache",    "read",         "write",
        "test",     "PASSED",       "FAILED"};
    text.reserve(1 << 21);
    while (text.size() < (1u << 21)) {
      text += words[r.below(std::size(words))];
      text += r.chance(0.08) ? '\n' : ' ';
    }
  }

  // A slice of the pool of about n bytes, cut at a space so no UTF-8 sequence is split.
  std::string blob(size_t n) {
    n = std::min(n, text.size() - 64);
    size_t start = r.below(text.size() - n - 32);
    while (start > 0 && text[start - 1] != ' ' && text[start - 1] != '\n') --start;
    size_t end = start + n;
    while (end < text.size() && text[end] != ' ' && text[end] != '\n') ++end;
    return text.substr(start, end - start);
  }

  std::string pick_model(bool subagent) {
    const double x = r.real();
    if (subagent)
      return x < 0.5 ? "claude-haiku-5-5" : x < 0.9 ? "claude-sonnet-5-5" : "claude-fable-5-2";
    return x < 0.45  ? "claude-opus-5-5"
           : x < 0.8 ? "claude-sonnet-5-5"
           : x < 0.9 ? "claude-fable-5-2"
                     : "claude-haiku-5-5";
  }
};

// One file being written: a top-level session, a resumed session or a subagent.
struct File {
  std::string session_id;  // the sessionId field its new lines carry
  const Project* project = nullptr;
  std::string buf;
  std::string parent_uuid;
  int64_t t = 0;  // ms
  bool subagent = false;
  std::string agent_id;
  bool no_unmergeable = false;  // will be copied by a resume: no lines without a message id
  std::string model;
  int64_t context = 0;
  bool cache_1h = true;
  std::vector<oj> btw_pending;  // messages to replay later as sidechain lines
};

struct Writer {
  Gen& g;

  void put(File& f, const oj& line, bool space = false) {
    std::string s = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    if (space) s = spaced(s);
    f.buf += s;
    f.buf += '\n';
    ++g.lines;
  }

  void head(File& f, oj& j) {
    j["parentUuid"] = f.parent_uuid.empty() ? oj(nullptr) : oj(f.parent_uuid);
    j["isSidechain"] = f.subagent;
    if (f.subagent) j["agentId"] = f.agent_id;
  }
  void tail(File& f, oj& j, const std::string& uuid, int64_t ms) {
    j["uuid"] = uuid;
    j["timestamp"] = iso(ms);
    j["userType"] = "external";
    j["entrypoint"] = "cli";
    j["cwd"] = f.project->cwd;
    j["sessionId"] = f.session_id;
    j["version"] = kVersion;
    j["gitBranch"] = f.project->branch;
  }

  void advance(File& f, int64_t lo_ms, int64_t hi_ms) { f.t += g.r.range(lo_ms, hi_ms); }

  void user_prompt(File& f) {
    oj j;
    head(f, j);
    j["promptId"] = g.id.uuid();
    j["type"] = "user";
    j["message"] = {{"role", "user"}, {"content", g.blob(g.r.range(40, 600))}};
    const std::string uuid = g.id.uuid();
    tail(f, j, uuid, f.t);
    j["permissionMode"] = "acceptEdits";
    put(f, j);
    f.parent_uuid = uuid;
  }

  void tool_result(File& f, const std::string& tool_id, const std::string& source) {
    const auto size = static_cast<size_t>(g.r.log_uniform(1024, 20480));
    oj j;
    head(f, j);
    j["promptId"] = g.id.uuid();
    j["type"] = "user";
    oj block = {{"tool_use_id", tool_id},
                {"type", "tool_result"},
                {"content", g.blob(size)},
                {"is_error", g.r.chance(0.05)}};
    j["message"] = {{"role", "user"}, {"content", oj::array({block})}};
    const std::string uuid = g.id.uuid();
    tail(f, j, uuid, f.t);
    j["toolUseResult"] = {{"stdout", ""},
                          {"stderr", ""},
                          {"interrupted", false},
                          {"isImage", false},
                          {"noOutputExpected", false}};
    j["sourceToolAssistantUUID"] = source;
    put(f, j, g.r.chance(0.03));
    f.parent_uuid = uuid;
    f.context += static_cast<int64_t>(size / 4);
  }

  oj usage_obj(const Usage& u, int64_t c5m, int64_t c1h) {
    return oj{{"input_tokens", u.in},
              {"cache_creation_input_tokens", u.cc},
              {"cache_read_input_tokens", u.cr},
              {"output_tokens", u.out},
              {"output_tokens_details", {{"thinking_tokens", 0}}},
              {"server_tool_use", {{"web_search_requests", 0}, {"web_fetch_requests", 0}}},
              {"service_tier", "standard"},
              {"cache_creation",
               {{"ephemeral_1h_input_tokens", c1h}, {"ephemeral_5m_input_tokens", c5m}}},
              {"inference_geo", ""},
              {"iterations", oj::array()},
              {"speed", "standard"},
              {"fallback_credit", nullptr}};
  }

  oj message_obj(const oj& content, const std::string& msg_id, const std::string& model,
                 const std::string& stop, const oj& usage) {
    oj m;
    m["content"] = content;
    if (!msg_id.empty()) m["id"] = msg_id;
    m["model"] = model;
    m["role"] = "assistant";
    m["stop_reason"] = stop;
    m["stop_sequence"] = nullptr;
    m["type"] = "message";
    m["usage"] = usage;
    m["stop_details"] = nullptr;
    return m;
  }

  oj assistant_line(File& f, const oj& message, const std::string& req, const std::string& model,
                    int64_t ms, const std::string& uuid, bool sidechain_override = false) {
    oj j;
    head(f, j);
    if (sidechain_override) j["isSidechain"] = true;
    j["message"] = message;
    if (!req.empty()) {
      j["requestId"] = req;
      j["apiBlockIndex"] = 0;
      j["requestRef"] = g.id.uuid();
    }
    j["requestedModel"] = model;
    j["type"] = "assistant";
    tail(f, j, uuid, ms);
    return j;
  }

  // One API response: 1-3 lines, counted once. Returns the tool_use id it ends with
  // (empty when it ends the turn) and writes `progress_out` with the lines' messages.
  std::string response(File& f, const std::string& attribute_to, std::vector<oj>* progress_out,
                       bool end_turn) {
    Gen& gg = g;
    Rng& r = gg.r;
    const std::string model = r.chance(0.1) ? gg.pick_model(f.subagent) : f.model;
    Usage u;
    u.in = r.chance(0.1) ? r.range(100, 20000) : r.range(1, 12);
    if (f.context > 0 && r.chance(0.04)) {  // cache miss
      u.cc = f.context;
      u.cr = 0;
    } else {
      u.cc = r.range(50, 6000) + (f.context > 0 ? 0 : 15000);
      u.cr = f.context;
    }
    u.out = r.chance(0.1) ? r.range(1000, 12000) : r.range(20, 900);
    f.context += u.cc + u.out;
    int64_t c1h = f.cache_1h ? u.cc : 0, c5m = f.cache_1h ? 0 : u.cc;
    Usage counted = u;
    const double edge = r.real();
    if (edge < 0.02) {  // breakdown zeroed, the total stands
      c1h = c5m = 0;
    } else if (edge < 0.03) {  // total zeroed, the breakdown stands
      u.cc = 0;
    }

    const bool no_msg_id = !f.no_unmergeable && r.chance(0.01);
    const bool no_req = !no_msg_id && r.chance(0.03);
    const std::string msg_id = no_msg_id ? "" : gg.id.msg();
    const std::string req = no_req ? "" : gg.id.req();
    const int nlines = no_msg_id ? 1 : static_cast<int>(r.chance(0.35) ? r.range(2, 3) : 1);
    const bool spaced_line = r.chance(0.03);
    const std::string tool_id = end_turn ? "" : gg.id.tool();

    std::vector<oj> blocks;
    if (nlines == 3)
      blocks.push_back({{"signature", gg.id.b62(88)},
                        {"thinking", gg.blob(r.range(100, 1500))},
                        {"type", "thinking"}});
    if (nlines >= 2 || end_turn)
      blocks.push_back({{"text", gg.blob(r.range(40, 1200))}, {"type", "text"}});
    if (!end_turn) {
      static constexpr std::string_view tools[] = {"Bash", "Read", "Edit", "Grep", "Write", "Glob"};
      blocks.push_back({{"id", tool_id},
                        {"input", {{"command", gg.blob(r.range(10, 200))}}},
                        {"name", tools[r.below(std::size(tools))]},
                        {"type", "tool_use"}});
    }
    while (static_cast<int>(blocks.size()) < nlines)
      blocks.push_back({{"text", "ok"}, {"type", "text"}});
    while (static_cast<int>(blocks.size()) > nlines) blocks.erase(blocks.begin());

    // Split lines of one response stay within one UTC day (ms apart).
    const bool near_midnight = f.t % kDayMs > kDayMs - 5000;
    std::string last_uuid;
    for (int i = 0; i < nlines; ++i) {
      Usage line_u = u;
      const bool last = i == nlines - 1;
      if (!last) {
        line_u.out = r.chance(0.5) ? 1 : r.range(1, std::max<int64_t>(1, u.out - 1));
        if (r.chance(0.05)) {  // an earlier line larger in one field: field-by-field max
          line_u.in = u.in + r.range(1, 50);
          counted.in = std::max(counted.in, line_u.in);
        }
      }
      // Lines before the last are written while the response streams: no stop reason yet.
      oj msg2 = message_obj(oj::array({blocks[static_cast<size_t>(i)]}), msg_id, model,
                            end_turn ? "end_turn" : "tool_use", usage_obj(line_u, c5m, c1h));
      if (!last) msg2["stop_reason"] = nullptr;
      const int64_t ms = f.t + (near_midnight ? 0 : i * r.range(1, 400));
      last_uuid = gg.id.uuid();
      const oj line = assistant_line(f, msg2, req, model, ms, last_uuid);
      put(f, line, spaced_line);
      f.parent_uuid = last_uuid;
      if (progress_out) {
        oj pm;
        pm["type"] = "assistant";
        pm["message"] = msg2;
        if (!req.empty()) pm["requestId"] = req;
        pm["timestamp"] = iso(ms);
        pm["uuid"] = last_uuid;
        progress_out->push_back(pm);
      }
      if (last && !req.empty() && !msg_id.empty() && !f.subagent && r.chance(0.015)) {
        f.btw_pending.push_back(msg2);
      }
    }
    gg.expected.count(attribute_to, f.t, counted);
    ++gg.responses;
    return tool_id.empty() ? std::string() : tool_id + "|" + last_uuid;
  }

  void btw_replay(File& f) {
    for (const auto& m : f.btw_pending) {
      // The same message, now in a side question: a new requestId, isSidechain true.
      put(f,
          assistant_line(f, m, g.id.req(), m["model"].get<std::string>(), f.t, g.id.uuid(), true));
    }
    f.btw_pending.clear();
  }

  void synthetic(File& f) {
    Usage zero;
    const oj msg = message_obj(oj::array({{{"text", "No response requested."}, {"type", "text"}}}),
                               g.id.uuid(), "<synthetic>", "stop_sequence", usage_obj(zero, 0, 0));
    put(f, assistant_line(f, msg, "", "<synthetic>", f.t, g.id.uuid()));
  }

  void misc(File& f) {
    Rng& r = g.r;
    const std::string ts = iso(f.t);
    const double x = r.real();
    oj j;
    if (x < 0.18) {
      head(f, j);
      j["attachment"] = {{"type", "file"},
                         {"filename", f.project->cwd + "/src/module.cpp"},
                         {"content", g.blob(static_cast<size_t>(r.log_uniform(500, 56000)))}};
      j["type"] = "attachment";
      tail(f, j, g.id.uuid(), f.t);
    } else if (x < 0.30) {
      j["type"] = "api-request";
      j["sessionId"] = f.session_id;
      j["id"] = g.id.uuid();
      j["timestamp"] = ts;
      j["params"] = {
          {"model", f.model},
          {"max_tokens", 32000},
          {"system",
           oj::array({{{"type", "text"},
                       {"text", g.blob(static_cast<size_t>(r.log_uniform(2000, 100000)))}}})},
          {"messages", oj::array({{{"role", "user"}, {"content", "continue"}},
                                  {{"role", "assistant"}, {"content", "ok"}}})}};
      j["requestRef"] = g.id.uuid();
    } else if (x < 0.38) {
      j["type"] = "api-request-shape";
      j["sessionId"] = f.session_id;
      j["requestRef"] = g.id.uuid();
      j["timestamp"] = ts;
      j["shape"] = {{"tools", g.blob(static_cast<size_t>(r.log_uniform(1000, 38000)))},
                    {"messages", r.range(2, 400)}};
    } else if (x < 0.48) {  // looks like an assistant message with usage to a naive filter
      j["type"] = "api-request-blob";
      j["sessionId"] = f.session_id;
      j["blobId"] = g.id.uuid();
      j["timestamp"] = ts;
      j["blob"] = {
          {"role", "assistant"},
          {"type", "assistant"},
          {"id", g.id.msg()},
          {"model", f.model},
          {"content", oj::array({{{"type", "text"}, {"text", g.blob(r.range(200, 8000))}}})},
          {"usage",
           {{"input_tokens", r.range(1, 99999)},
            {"output_tokens", r.range(1, 9999)},
            {"cache_read_input_tokens", r.range(1, 99999)}}}};
    } else if (x < 0.56) {
      j["type"] = "prompt_snapshot";
      j["sessionId"] = f.session_id;
      j["timestamp"] = ts;
      j["snapshot"] = {{"prompt", g.blob(static_cast<size_t>(r.log_uniform(500, 100000)))}};
    } else if (x < 0.68) {
      j["type"] = "queue-operation";
      j["operation"] = r.chance(0.5) ? "enqueue" : "dequeue";
      j["timestamp"] = ts;
      j["sessionId"] = f.session_id;
      j["content"] = g.blob(r.range(10, 300));
    } else if (x < 0.76) {
      j["type"] = "cost-state";
      j["sessionId"] = f.session_id;
      j["timestamp"] = ts;
      j["costUSD"] = static_cast<double>(r.range(1, 100000)) / 1000.0;
      j["usage"] = {{"input_tokens", r.range(1, 999999)},
                    {"output_tokens", r.range(1, 99999)},
                    {"role", "assistant"}};
    } else if (x < 0.84) {
      j["type"] = "atis-latch";
      j["sessionId"] = f.session_id;
      j["latched"] = r.chance(0.5);
      j["timestamp"] = ts;
    } else if (x < 0.92) {
      j["type"] = "tools-used";
      j["sessionId"] = f.session_id;
      j["tools"] = {"Bash", "Read", "Edit"};
      j["timestamp"] = ts;
    } else {
      j["type"] = "last-prompt";
      j["lastPrompt"] = g.blob(r.range(20, 400));
      j["sessionId"] = f.session_id;
    }
    put(f, j);
  }

  void write_file(const fs::path& path, const std::string& buf) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    g.bytes += static_cast<int64_t>(buf.size());
    ++g.files;
  }

  // A subagent run from the parent's turn: its own file, progress lines in the parent.
  void subagent(File& parent, const std::string& attribute_to) {
    Rng& r = g.r;
    File s;
    s.session_id = parent.session_id;
    s.project = parent.project;
    s.subagent = true;
    s.agent_id = g.id.hex(17);
    s.t = parent.t + r.range(100, 3000);
    s.model = g.pick_model(true);
    s.cache_1h = false;
    user_prompt(s);
    std::vector<oj> progress;
    const int turns = static_cast<int>(r.range(2, 10));
    for (int i = 0; i < turns; ++i) {
      advance(s, 2000, 40000);
      const std::string tool = response(s, attribute_to, &progress, i == turns - 1);
      if (!tool.empty()) {
        advance(s, 500, 20000);
        tool_result(s, tool.substr(0, tool.find('|')), tool.substr(tool.find('|') + 1));
      }
    }
    const std::string tool_use = g.id.tool();
    for (const auto& pm : progress) {
      oj j;
      head(parent, j);
      j["type"] = "progress";
      j["data"] = {{"type", "agent_progress"},
                   {"message", pm},
                   {"prompt", "explore"},
                   {"agentId", s.agent_id}};
      j["toolUseID"] = "agent_msg_01" + g.id.b62(20);
      j["parentToolUseID"] = tool_use;
      tail(parent, j, g.id.uuid(), parent.t);
      put(parent, j);
    }
    parent.t = s.t;
    write_file(g.root / "projects" / parent.project->slug / parent.session_id / "subagents" /
                   fmt::format("agent-{}.jsonl", s.agent_id),
               s.buf);
  }

  // Turns until the file reaches `budget` bytes.
  void run(File& f, int64_t budget) {
    Rng& r = g.r;
    if (r.chance(0.5)) misc(f);
    user_prompt(f);
    while (static_cast<int64_t>(f.buf.size()) < budget) {
      advance(f, 1500, 60000);
      const bool end_turn = r.chance(0.12);
      const std::string tool = response(f, f.session_id, nullptr, end_turn);
      if (r.chance(0.03)) subagent(f, f.session_id);
      if (r.chance(0.08)) misc(f);
      if (r.chance(0.01)) synthetic(f);
      if (!f.btw_pending.empty() && r.chance(0.3)) btw_replay(f);
      if (tool.empty()) {
        advance(f, 10000, 600000);
        if (r.chance(0.3)) misc(f);
        user_prompt(f);
      } else {
        advance(f, 300, 30000);
        tool_result(f, tool.substr(0, tool.find('|')), tool.substr(tool.find('|') + 1));
      }
    }
    btw_replay(f);
  }
};

// Blocks as ccusage forms them: a block starts at the hour of its first entry and takes
// entries until one is 5 hours past its start or past the previous entry.
oj blocks_json(std::vector<std::pair<int64_t, Usage>> entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  oj out = oj::array();
  int64_t start = -1, last = -1;
  Usage sum;
  int64_t count = 0;
  auto flush = [&] {
    if (start < 0) return;
    oj b;
    b["startTime"] = iso(start);
    b["entries"] = count;
    b["tokenCounts"] = usage_json(sum);
    b["totalTokens"] = sum.total();
    out.push_back(b);
  };
  for (const auto& [ms, u] : entries) {
    if (start < 0 || ms - start >= 5 * kHourMs || ms - last >= 5 * kHourMs) {
      flush();
      start = ms / kHourMs * kHourMs;
      sum = Usage{};
      count = 0;
    }
    sum.add(u);
    ++count;
    last = ms;
  }
  flush();
  return out;
}

int usage_error(const char* argv0) {
  std::fprintf(stderr, "usage: %s --out DIR --megabytes N [--seed S]\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_dir;
  double megabytes = 0;
  uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage_error(argv[0]);
    if (a == "--out")
      out_dir = argv[++i];
    else if (a == "--megabytes")
      megabytes = std::strtod(argv[++i], nullptr);
    else if (a == "--seed")
      seed = std::strtoull(argv[++i], nullptr, 10);
    else
      return usage_error(argv[0]);
  }
  if (out_dir.empty() || megabytes <= 0) return usage_error(argv[0]);

  Gen g(seed);
  g.root = out_dir;
  fs::remove_all(g.root / "projects");
  Writer w{g};
  Rng& r = g.r;

  std::vector<Project> projects;
  static constexpr std::string_view names[] = {"app",   "work-ralph", "api-server",  "infra",
                                               "notes", "web-client", "ml-pipeline", "dotfiles"};
  for (auto n : names) {
    std::string cwd = fmt::format("/home/u/{}", n);
    std::string slug = cwd;
    std::replace(slug.begin(), slug.end(), '/', '-');
    projects.push_back({slug, cwd, r.chance(0.5) ? "main" : "feature/usage"});
  }

  // Working windows over six weeks: mornings, afternoons, evenings, weekends light;
  // nights and days off give gaps of more than 5 hours.
  std::vector<std::pair<int64_t, int64_t>> windows;
  int64_t window_total = 0;
  for (int d = 0; d < kDays; ++d) {
    const bool weekend = d % 7 >= 5;
    if (r.chance(weekend ? 0.6 : 0.08)) continue;
    for (int start_hour : {7, 13, 19}) {
      if (r.chance(0.3)) continue;
      const int64_t s =
          kStartMs + d * kDayMs + (start_hour + r.range(0, 2)) * kHourMs + r.range(0, 59) * 60000;
      const int64_t len = r.range(1 * kHourMs, 4 * kHourMs);
      windows.emplace_back(s, s + len);
      window_total += len;
    }
  }

  const auto target = static_cast<int64_t>(megabytes * 1024 * 1024);
  const auto nsessions = static_cast<int64_t>(std::clamp(megabytes * 15.0, 20.0, 1e7));
  std::vector<int64_t> starts;
  for (int64_t i = 0; i < nsessions; ++i) {
    int64_t at = static_cast<int64_t>(r.below(static_cast<uint64_t>(window_total)));
    for (const auto& [s, e] : windows) {
      if (at < e - s) {
        starts.push_back(s + at);
        break;
      }
      at -= e - s;
    }
  }
  std::sort(starts.begin(), starts.end());

  int64_t sessions_written = 0;
  for (int64_t i = 0; i < nsessions; ++i) {
    const int64_t remaining = std::max<int64_t>(0, target - g.bytes);
    if (remaining == 0) break;
    const int64_t left = nsessions - i;
    const double factor = std::clamp(std::exp(0.9 * r.normal() - 0.4), 0.05, 8.0);
    int64_t budget =
        left == 1
            ? remaining
            : std::max<int64_t>(3000, static_cast<int64_t>(static_cast<double>(remaining) /
                                                           static_cast<double>(left) * factor));
    const bool resumed = r.chance(0.06);
    File f;
    f.session_id = g.id.uuid();
    f.project = &projects[r.below(projects.size())];
    f.t = starts[static_cast<size_t>(i)];
    f.model = g.pick_model(false);
    f.cache_1h = r.chance(0.7);
    f.no_unmergeable = resumed;
    if (resumed) budget /= 2;
    w.run(f, budget);
    w.write_file(g.root / "projects" / f.project->slug / (f.session_id + ".jsonl"), f.buf);
    ++sessions_written;
    if (resumed) {
      // `claude --resume`: a new file that starts with a verbatim copy of the old one (or
      // of its first lines), then goes on under its own sessionId.
      File c;
      c.session_id = g.id.uuid();
      c.project = f.project;
      c.model = f.model;
      c.cache_1h = f.cache_1h;
      c.context = f.context;
      if (r.chance(0.5)) {
        c.buf = f.buf;
      } else {
        size_t cut = f.buf.size() / 2;
        cut = f.buf.find('\n', cut);
        c.buf = f.buf.substr(0, cut == std::string::npos ? f.buf.size() : cut + 1);
      }
      g.lines += std::count(c.buf.begin(), c.buf.end(), '\n');
      c.parent_uuid = f.parent_uuid;
      c.t = f.t + r.range(60000, 20 * kHourMs);
      w.run(c, static_cast<int64_t>(c.buf.size()) + budget);
      w.write_file(g.root / "projects" / c.project->slug / (c.session_id + ".jsonl"), c.buf);
      ++sessions_written;
    }
  }

  oj e;
  e["totals"] = usage_json(g.expected.totals);
  e["daily"] = oj::object();
  for (const auto& [day, u] : g.expected.daily) e["daily"][day] = usage_json(u);
  e["sessions"] = oj::object();
  for (const auto& [s, u] : g.expected.sessions) e["sessions"][s] = usage_json(u);
  e["blocks"] = blocks_json(g.expected.entries);
  e["meta"] = {{"seed", seed},
               {"megabytes", megabytes},
               {"bytes", g.bytes},
               {"files", g.files},
               {"sessionFiles", sessions_written},
               {"lines", g.lines},
               {"responses", g.responses},
               {"generator", "ralph_usage_gen 1"}};
  std::ofstream(g.root / "expected.json") << e.dump(2) << '\n';
  fmt::print("wrote {} bytes in {} files ({} sessions, {} lines, {} responses) to {}\n", g.bytes,
             g.files, sessions_written, g.lines, g.responses, out_dir);
  return 0;
}
