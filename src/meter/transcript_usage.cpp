// The transcripts of every session, read in parallel, each response counted once (ARCHITECTURE
// "src/meter/").
#include "meter/transcript_usage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "util/fd.hpp"

namespace ralph::meter {

namespace fs = std::filesystem;

std::vector<fs::path> transcript_roots(const std::function<const char*(const char*)>& env) {
  std::vector<fs::path> folders;
  if (const char* list = env("CLAUDE_CONFIG_DIR"); list && *list) {
    std::string_view rest(list);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view one = rest.substr(0, comma);
      while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
      while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
      if (!one.empty()) folders.emplace_back(std::string(one));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (const char* home = env("HOME"); home && *home) {
    folders.push_back(fs::path(home) / ".config" / "claude");
    folders.push_back(fs::path(home) / ".claude");
  }
  std::vector<fs::path> roots;
  std::set<fs::path> seen;
  for (const auto& folder : folders) {
    std::error_code ec;
    fs::path projects = folder / "projects";
    if (!fs::is_directory(projects, ec)) continue;
    fs::path canonical = fs::weakly_canonical(projects, ec);
    if (seen.insert(ec ? projects : canonical).second) roots.push_back(projects);
  }
  return roots;
}

namespace {

// One response as read from one line, before it meets its copies in other lines.
struct Raw {
  uint64_t message = 0;  // hash of message.id; 0: the line had none (never merged)
  uint64_t request = 0;  // hash of requestId; for a line without a message id, a unique number
  int64_t at_ms = 0;
  uint32_t tokens[5] = {};  // input, output, cache writes, cache reads, 1-hour cache writes
  uint32_t model = 0;
  uint32_t session = 0;
  bool sidechain = false;
};

uint32_t narrow(int64_t v) {
  return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, UINT32_MAX));
}

uint64_t hash_of(std::string_view text) {
  uint64_t h = std::hash<std::string_view>{}(text);
  return h == 0 ? 1 : h;
}

// What one reading thread found: its own names, merged into the scan's at the end.
struct Partial {
  std::vector<Raw> raws;
  std::vector<std::string> models;
  std::unordered_map<std::string, uint32_t> model_index;
  std::vector<UsageSession> sessions;
  std::unordered_map<std::string, uint32_t> session_index;
  std::vector<int64_t> session_first_ms;
  int64_t bytes = 0, lines_parsed = 0, duplicates = 0, unreadable = 0;
  uint64_t unnamed = 0;  // counts the lines without a message id

  uint32_t model(std::string_view name) {
    auto [it, added] =
        model_index.try_emplace(std::string(name), static_cast<uint32_t>(models.size()));
    if (added) models.emplace_back(name);
    return it->second;
  }
  uint32_t session(std::string_view id, const std::string& project, std::string_view cwd,
                   std::string_view version, int64_t at_ms) {
    std::string key = project;
    key.push_back('\0');
    key.append(id);
    auto [it, added] = session_index.try_emplace(key, static_cast<uint32_t>(sessions.size()));
    if (added) {
      sessions.push_back({std::string(id), project, std::string(cwd), std::string(version)});
      session_first_ms.push_back(at_ms);
    }
    UsageSession& s = sessions[it->second];
    if (s.cwd.empty() && !cwd.empty()) s.cwd = std::string(cwd);
    if (!version.empty() && std::string_view(s.version) < version) s.version = std::string(version);
    session_first_ms[it->second] = std::min(session_first_ms[it->second], at_ms);
    return it->second;
  }
};

struct FileToRead {
  fs::path path;
  std::string project;
  std::string stem;
  uintmax_t size = 0;
};

// Reads one file line by line in blocks; lines that pass the filter are parsed in place.
void read_file(const FileToRead& file, Partial& partial, TranscriptLineParser& parser,
               std::vector<char>& buffer) {
  UniqueFd fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    ++partial.unreadable;
    return;
  }
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  constexpr size_t kBlock = 1 << 20;
  size_t held = 0;  // bytes at the buffer's start that belong to an unfinished line
  ParsedLine parsed;
  bool previous_valid = false;  // the last raw of this file can absorb the next copy
  auto handle = [&](const char* line, size_t length, size_t capacity) {
    if (!may_be_assistant_line(std::string_view(line, length))) return;
    ++partial.lines_parsed;
    parser.parse(std::string_view(line, length), capacity - length, parsed);
    if (!parsed.ok || parsed.model == "<synthetic>") return;
    Raw raw;
    raw.at_ms = parsed.at_ms;
    raw.sidechain = parsed.sidechain;
    if (parsed.message_id.empty()) {
      raw.request = ++partial.unnamed;
    } else {
      raw.message = hash_of(parsed.message_id);
      raw.request = parsed.request_id.empty() ? 0 : hash_of(parsed.request_id);
    }
    const Usage& u = parsed.usage;
    raw.tokens[0] = narrow(u.input_tokens);
    raw.tokens[1] = narrow(u.output_tokens);
    raw.tokens[2] = narrow(u.cache_creation_input_tokens);
    raw.tokens[3] = narrow(u.cache_read_input_tokens);
    raw.tokens[4] = narrow(parsed.cache_write_1h);
    raw.model = partial.model(parsed.model.empty() ? std::string_view("unknown") : parsed.model);
    std::string_view session = parsed.session_id.empty() ? file.stem : parsed.session_id;
    raw.session = partial.session(session, file.project, parsed.cwd, parsed.version, raw.at_ms);
    // The lines of one streamed response come one after another: merge them at once.
    if (previous_valid && raw.message != 0) {
      Raw& last = partial.raws.back();
      if (last.message == raw.message && last.request == raw.request &&
          last.sidechain == raw.sidechain && last.session == raw.session) {
        for (int i = 0; i < 5; ++i) last.tokens[i] = std::max(last.tokens[i], raw.tokens[i]);
        last.at_ms = std::min(last.at_ms, raw.at_ms);
        ++partial.duplicates;
        return;
      }
    }
    partial.raws.push_back(raw);
    previous_valid = true;
  };
  for (;;) {
    if (buffer.size() < held + kBlock + simdjson::SIMDJSON_PADDING) {
      buffer.resize(held + kBlock + simdjson::SIMDJSON_PADDING);
    }
    ssize_t got = ::read(fd.get(), buffer.data() + held, kBlock);
    if (got < 0) {
      if (errno == EINTR) continue;
      ++partial.unreadable;
      return;
    }
    partial.bytes += got;
    size_t end = held + static_cast<size_t>(got);
    const size_t capacity_end = buffer.size();
    size_t start = 0;
    if (got == 0) {  // the last line may have no newline
      // What follows it in the buffer is a leftover of an earlier block; simdjson reads a
      // byte past the document, so give it the newline every other line has.
      buffer[end] = '\n';
      if (end > 0) handle(buffer.data(), end, capacity_end);
      break;
    }
    for (;;) {
      const char* newline =
          static_cast<const char*>(std::memchr(buffer.data() + start, '\n', end - start));
      if (!newline) break;
      size_t length = static_cast<size_t>(newline - (buffer.data() + start));
      if (length > 0) handle(buffer.data() + start, length, capacity_end - start);
      start += length + 1;
    }
    held = end - start;
    if (held > 0 && start > 0) std::memmove(buffer.data(), buffer.data() + start, held);
  }
  // A long line grew the buffer: give the memory back.
  if (buffer.size() > 4 * (kBlock + simdjson::SIMDJSON_PADDING)) {
    buffer.assign(kBlock + simdjson::SIMDJSON_PADDING, 0);
    buffer.shrink_to_fit();
  }
}

std::vector<FileToRead> list_files(const ScanOptions& options) {
  std::vector<FileToRead> files;
  for (const auto& root : options.roots) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto& entry = *it;
      std::error_code stat_ec;
      if (entry.path().extension() != ".jsonl" || !entry.is_regular_file(stat_ec)) continue;
      FileToRead file;
      file.path = entry.path();
      fs::path relative = entry.path().lexically_relative(root);
      file.project = relative.begin() != relative.end() ? relative.begin()->string() : "";
      file.stem = entry.path().stem().string();
      file.size = entry.file_size(stat_ec);
      files.push_back(std::move(file));
    }
  }
  // The largest first, so no thread is left with a big file at the end.
  std::sort(files.begin(), files.end(),
            [](const FileToRead& a, const FileToRead& b) { return a.size > b.size; });
  return files;
}

}  // namespace

UsageScan scan_transcripts(const ScanOptions& options, const PricingTable& pricing) {
  UsageScan scan;
  std::vector<FileToRead> files = list_files(options);
  scan.files = static_cast<int64_t>(files.size());
  unsigned threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(files.size())));
  std::vector<Partial> partials(threads);
  std::atomic<size_t> next{0};
  auto work = [&](Partial& partial) {
    TranscriptLineParser parser;
    std::vector<char> buffer;
    for (size_t i = next++; i < files.size(); i = next++) {
      read_file(files[i], partial, parser, buffer);
    }
  };
  if (threads <= 1) {
    if (!partials.empty()) work(partials[0]);
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, std::ref(partials[t]));
    for (auto& thread : pool) thread.join();
  }

  // One set of names for the whole scan.
  std::unordered_map<std::string, uint32_t> model_index, session_index;
  std::vector<int64_t> session_first_ms;
  size_t total = 0;
  for (auto& p : partials) total += p.raws.size();
  std::vector<Raw> raws;
  raws.reserve(total);
  uint64_t unnamed_base = 0;
  for (auto& p : partials) {
    std::vector<uint32_t> models(p.models.size()), sessions(p.sessions.size());
    for (size_t i = 0; i < p.models.size(); ++i) {
      auto [it, added] =
          model_index.try_emplace(p.models[i], static_cast<uint32_t>(scan.models.size()));
      if (added) scan.models.push_back(p.models[i]);
      models[i] = it->second;
    }
    for (size_t i = 0; i < p.sessions.size(); ++i) {
      std::string key = p.sessions[i].project + '\0' + p.sessions[i].id;
      auto [it, added] =
          session_index.try_emplace(key, static_cast<uint32_t>(scan.sessions.size()));
      if (added) {
        scan.sessions.push_back(p.sessions[i]);
        session_first_ms.push_back(p.session_first_ms[i]);
      } else {
        UsageSession& s = scan.sessions[it->second];
        if (s.cwd.empty()) s.cwd = p.sessions[i].cwd;
        if (s.version < p.sessions[i].version) s.version = p.sessions[i].version;
        session_first_ms[it->second] =
            std::min(session_first_ms[it->second], p.session_first_ms[i]);
      }
      sessions[i] = it->second;
    }
    for (Raw raw : p.raws) {
      raw.model = models[raw.model];
      raw.session = sessions[raw.session];
      if (raw.message == 0) raw.request += unnamed_base;
      raws.push_back(raw);
    }
    unnamed_base += p.unnamed;
    scan.bytes += p.bytes;
    scan.lines_parsed += p.lines_parsed;
    scan.duplicates += p.duplicates;
    scan.unreadable += p.unreadable;
    std::vector<Raw>().swap(p.raws);
  }

  // Copies of one response across files (resumed sessions) meet here: the largest counts, the
  // earliest time, and the session that had it first (ties by id, so threads change nothing).
  auto started_before = [&](uint32_t a, uint32_t b) {
    if (session_first_ms[a] != session_first_ms[b])
      return session_first_ms[a] < session_first_ms[b];
    return scan.sessions[a].id < scan.sessions[b].id;
  };
  std::sort(raws.begin(), raws.end(), [](const Raw& a, const Raw& b) {
    return a.message != b.message ? a.message < b.message : a.request < b.request;
  });
  size_t kept = 0;
  for (size_t i = 0; i < raws.size(); ++i) {
    if (kept > 0 && raws[i].message != 0) {
      Raw& last = raws[kept - 1];
      if (last.message == raws[i].message && last.request == raws[i].request) {
        const Raw& copy = raws[i];
        for (int k = 0; k < 5; ++k) last.tokens[k] = std::max(last.tokens[k], copy.tokens[k]);
        last.at_ms = std::min(last.at_ms, copy.at_ms);
        if (started_before(copy.session, last.session)) last.session = copy.session;
        last.sidechain = last.sidechain && copy.sidechain;
        ++scan.duplicates;
        continue;
      }
    }
    raws[kept++] = raws[i];
  }
  raws.resize(kept);
  // A sidechain line with the message id of a main-chain response and another request id is a
  // replay of it (a `/btw` side question): the main-chain entry stays.
  kept = 0;
  for (size_t i = 0; i < raws.size();) {
    size_t j = i;
    bool main_chain = false;
    while (j < raws.size() && raws[j].message == raws[i].message) {
      main_chain = main_chain || !raws[j].sidechain;
      ++j;
      if (raws[i].message == 0) break;  // lines without an id are never grouped
    }
    for (size_t k = i; k < j; ++k) {
      if (main_chain && raws[k].sidechain && raws[k].message != 0) {
        ++scan.duplicates;
        continue;
      }
      raws[kept++] = raws[k];
    }
    i = j;
  }
  raws.resize(kept);

  scan.entries.reserve(raws.size());
  for (const Raw& raw : raws) {
    UsageEntry entry;
    entry.at_ms = raw.at_ms;
    entry.usage = {raw.tokens[0], raw.tokens[1], raw.tokens[2], raw.tokens[3]};
    entry.cache_write_1h = raw.tokens[4];
    entry.model = raw.model;
    entry.session = raw.session;
    entry.cost_usd = pricing.turn_cost(scan.models[raw.model], entry.usage, entry.cache_write_1h);
    scan.entries.push_back(entry);
  }
  std::vector<Raw>().swap(raws);
  std::sort(scan.entries.begin(), scan.entries.end(),
            [](const UsageEntry& a, const UsageEntry& b) { return a.at_ms < b.at_ms; });
  return scan;
}

}  // namespace ralph::meter
