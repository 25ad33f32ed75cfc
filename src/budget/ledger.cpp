#include "budget/ledger.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <random>

#include "budget/pg_ledger.hpp"
#include "budget/shared_ledger.hpp"
#include "meter/record_text.hpp"
#include "util/clock.hpp"
#include "util/digest.hpp"
#include "util/file_lines.hpp"
#include "util/fs.hpp"

namespace ralph::budget {

namespace fs = std::filesystem;

namespace {

constexpr size_t kPadding = 64;  // the record parser's read-ahead

// The "repo" a ledger line starts with, or nothing for a line that is not a ledger line.
std::optional<std::string> repo_of(std::string_view line) {
  constexpr std::string_view kStart = R"({"repo":")";
  if (line.substr(0, kStart.size()) != kStart) return std::nullopt;
  size_t end = kStart.size();
  while (end < line.size() && line[end] != '"') end += line[end] == '\\' ? 2 : 1;
  if (end >= line.size()) return std::nullopt;
  auto literal = nlohmann::json::parse(line.substr(kStart.size() - 1, end - kStart.size() + 2),
                                       nullptr, false);
  if (!literal.is_string()) return std::nullopt;
  return literal.get<std::string>();
}

}  // namespace

std::string ledger_location(const std::optional<std::string>& setting, const Env& env) {
  if (const char* chosen = env("RALPH_LEDGER"); chosen != nullptr && *chosen != '\0') {
    return chosen;
  }
  if (setting && !setting->empty()) return *setting;
  return ledger_path(env).string();
}

fs::path ledger_path(const Env& env) {
  auto set = [&](const char* name) -> std::optional<std::string> {
    const char* value = env(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
  if (auto state = set("XDG_STATE_HOME")) return fs::path(*state) / "ralph" / "ledger.jsonl";
  return fs::path(set("HOME").value_or(".")) / ".local" / "state" / "ralph" / "ledger.jsonl";
}

std::unique_ptr<Ledger> Ledger::open(const std::optional<std::string>& setting, const Env& env) {
  std::string location = ledger_location(setting, env);
  if (!is_database_url(location)) return std::make_unique<Ledger>(fs::path(location));
  // One outbox per database however its URL is spelled, beside the user's file.
  fs::path outbox = ledger_path(env).parent_path() / "outbox" /
                    (short_digest(database_identity(location)) + ".jsonl");
  return std::make_unique<Ledger>(location, outbox);
}

Ledger::Ledger(const std::string& url, fs::path outbox)
    : path_(outbox), shared_(std::make_unique<SharedLedger>(url, std::move(outbox))) {}

std::string Ledger::where() const {
  return shared_ ? shared_->where() : path_.string();
}

int Ledger::waiting() const {
  if (!shared_) return 0;
  int lines = 0;
  (void)read_ledger_lines(path_,
                          [&](const std::string&, const meter::IterationRecord&) { ++lines; });
  return lines;
}

std::optional<std::string> Ledger::take_note() {
  return shared_ ? shared_->take_note() : std::nullopt;
}

Ledger::Check::Check(Ledger* ledger) : ledger_(ledger) {
  if (ledger_ == nullptr) return;
  if (ledger_->shared_) {
    held_ = ledger_->shared_->begin_check();
    if (!held_) ledger_ = nullptr;
    return;
  }
  // A file's: every loop of the ledger checks under this lock, beside the ledger.
  fs::path lock = ledger_->path_;
  lock += ".lock";
  std::error_code ec;
  if (!lock.parent_path().empty()) fs::create_directories(lock.parent_path(), ec);
  lock_ = UniqueFd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  held_ = lock_.valid() && ::flock(lock_.get(), LOCK_EX) == 0;
}

Ledger::Check::~Check() {
  if (ledger_ != nullptr && ledger_->shared_) ledger_->shared_->end_check();
}

Status append_ledger_line(const fs::path& path, const std::string& repo,
                          const meter::IterationRecord& record) {
  std::error_code ec;
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path(), ec);
  if (ec) {
    return make_error(
        fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  }
  UniqueFd lock(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!lock.valid() || ::flock(lock.get(), LOCK_EX) != 0) {
    return make_error(
        fmt::format("cannot write the ledger {}: {}", path.string(), errno_text(errno)));
  }
  std::string line = R"({"repo":)";
  meter::append_json_string(line, repo);
  line += ',';
  std::string fields = meter::record_json(record);
  line.append(fields, 1, std::string::npos);  // the record's fields, after its "{"
  return append_line_synced(path, line);
}

Status read_ledger_lines(
    const fs::path& path,
    const std::function<void(const std::string& repo, const meter::IterationRecord&)>& visit) {
  meter::RecordParser parser;
  auto read = read_lines_from(path, 0, kPadding, [&](std::string_view line) {
    auto repo = repo_of(line);
    if (!repo) return;
    if (auto record = parser.parse(line, kPadding)) visit(*repo, *record);
  });
  if (!read)
    return make_error(fmt::format("cannot read the ledger {}: {}", path.string(), read.message()));
  return ok_status();
}

Ledger::Ledger(fs::path path) : path_(std::move(path)) {}

Ledger::~Ledger() {
  if (live_file_.empty()) return;
  std::error_code ec;
  fs::remove(live_file_, ec);
  fs::path lock = live_file_;
  lock += ".lock";
  fs::remove(lock, ec);
}

Status Ledger::append(const std::string& repo, const meter::IterationRecord& record) {
  if (shared_) return shared_->append(repo, record);
  return append_ledger_line(path_, repo, record);
}

Status Ledger::refresh(bool may_connect) {
  if (shared_) return shared_->refresh(entries_, may_connect);
  static const std::string machine = this_machine();
  static const std::string user = this_user();
  meter::RecordParser parser;
  auto read = read_lines_from(path_, offset_, kPadding, [&](std::string_view line) {
    auto repo = repo_of(line);
    if (!repo) return;
    auto record = parser.parse(line, kPadding);
    if (!record) return;
    auto ended = parse_rfc3339_utc(record->ended_at);
    if (!ended) ended = parse_rfc3339_utc(record->started_at);
    if (!ended) return;
    entries_.push_back(LedgerEntry{std::move(*repo), *ended, record->cost_usd, machine, user});
  });
  if (!read)
    return make_error(fmt::format("cannot read the ledger {}: {}", path_.string(), read.message()));
  offset_ = read->end_offset;
  return ok_status();
}

double Ledger::spent(WallTime from, WallTime to) const {
  double sum = 0;
  for (const auto& entry : entries_) {
    if (entry.ended >= from && entry.ended < to) sum += entry.cost_usd;
  }
  return sum;
}

Result<std::vector<meter::IterationRecord>> Ledger::records_of(const std::string& repo) const {
  if (shared_) return shared_->records_of(repo);
  std::vector<meter::IterationRecord> records;
  Status read = for_each_record([&](const std::string& of, const meter::IterationRecord& record) {
    if (of == repo) records.push_back(record);
  });
  if (!read) return make_error(read.message());
  return records;
}

Status Ledger::for_each_record(
    const std::function<void(const std::string& repo, const meter::IterationRecord&)>& visit)
    const {
  if (shared_) return shared_->for_each_record(visit);
  return read_ledger_lines(path_, visit);
}

bool Ledger::publish_live(const std::string& repo, const std::string& run_id, double usd,
                          bool may_connect) {
  if (shared_) return shared_->publish_live(repo, run_id, usd, may_connect);
  if (usd == published_) return true;
  if (live_file_.empty()) {
    fs::path dir = path_.parent_path() / "live";
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::random_device random;
    std::string name = fmt::format("{}-{:08x}.json", ::getpid(), random());
    fs::path lock = dir / (name + ".lock");
    // The lock first: a file whose lock nobody holds is a gone loop's.
    live_lock_ = UniqueFd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!live_lock_.valid() || ::flock(live_lock_.get(), LOCK_EX | LOCK_NB) != 0) return false;
    live_file_ = dir / name;
  }
  nlohmann::json live{{"pid", ::getpid()}, {"repo", repo}, {"run_id", run_id}, {"usd", usd}};
  if (!replace_file(live_file_, live.dump() + "\n")) return false;  // again next time
  published_ = usd;
  return true;
}

double Ledger::others_live() const {
  if (shared_) return shared_->others_live();  // as the last refresh read it
  fs::path dir = path_.parent_path() / "live";
  std::error_code ec;
  double sum = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& file = entry.path();
    if (file.extension() != ".json" || file == live_file_) continue;
    fs::path lock = file;
    lock += ".lock";
    UniqueFd fd(::open(lock.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) continue;  // not published yet, or being removed
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      std::error_code ignored;  // its loop is gone
      fs::remove(file, ignored);
      fs::remove(lock, ignored);
      continue;
    }
    auto text = read_file(file);
    if (!text) continue;
    auto live = nlohmann::json::parse(*text, nullptr, false);
    if (live.is_object() && live.contains("usd") && live["usd"].is_number()) {
      sum += live["usd"].get<double>();
    }
  }
  return sum;
}

}  // namespace ralph::budget
