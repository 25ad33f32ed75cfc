#include "budget/shared_ledger.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <random>

#include "util/clock.hpp"
#include "util/fd.hpp"
#include "util/fs.hpp"

namespace ralph::budget {

namespace {

// How long a connection may take, and how long after a failed one the next is tried: 3 s at
// first, doubling to 30 s.
constexpr std::chrono::seconds kConnectTimeout{5};
constexpr std::chrono::seconds kFirstRetry{3};
constexpr std::chrono::seconds kLastRetry{30};
// Row ids are given when a record is inserted, not when it commits: a record inserted just
// before another may appear just after it. Each read starts this many rows before the last
// one read (fewer loops than that insert at once), and skips the rows it has seen.
constexpr int64_t kRowWindow = 256;

}  // namespace

SharedLedger::SharedLedger(std::string url, std::filesystem::path outbox)
    : url_(std::move(url)), redacted_(redact_database_url(url_)), outbox_(std::move(outbox)) {
  std::random_device random;
  loop_id_ = fmt::format("{}:{}:{:08x}", this_machine(), ::getpid(), random());
}

SharedLedger::~SharedLedger() {
  if (live_row_ && db_) (void)db_->end_live(loop_id_);
}

PgLedger* SharedLedger::link(bool may_connect) {
  if (db_ && db_->connected()) return db_.get();
  if (db_)
    lost(last_error_.empty() ? "the connection to the ledger " + redacted_ + " broke"
                             : last_error_);
  const auto now = std::chrono::steady_clock::now();
  if (last_try_ && (!may_connect || now - *last_try_ < retry_after_)) return nullptr;
  last_try_ = now;
  auto connected = PgLedger::connect(url_, kConnectTimeout);
  if (!connected) {
    lost(connected.message());
    retry_after_ = std::min(kLastRetry, std::max(kFirstRetry, retry_after_ * 2));
    return nullptr;
  }
  db_ = std::move(*connected);
  retry_after_ = std::chrono::seconds(0);
  last_error_.clear();
  if (Status s = replay(*db_); !s) {
    lost(s.message());
    return nullptr;
  }
  return db_.get();
}

void SharedLedger::lost(const std::string& why) {
  db_.reset();
  in_check_ = false;
  last_error_ = why;
  // Not tried again at once: a database that just failed waits for the next try.
  last_try_ = std::chrono::steady_clock::now();
  if (retry_after_.count() == 0) retry_after_ = kFirstRetry;
  if (!unreachable_noted_) {
    unreachable_noted_ = true;
    note_ = fmt::format("ralph: warning: {}; the records wait in {} and are sent once it answers",
                        why, outbox_.string());
  }
}

Status SharedLedger::replay(PgLedger& db) {
  UniqueFd fd(::open(outbox_.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return ok_status();  // nothing ever waited
  // Held until the outbox is empty: a loop appending meanwhile waits, so nothing appended
  // between the read and the truncation is lost.
  if (::flock(fd.get(), LOCK_EX) != 0) {
    return make_error(fmt::format("cannot lock {}: {}", outbox_.string(), errno_text(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || st.st_size == 0) return ok_status();
  int sent = 0;
  int known = 0;
  int rejected = 0;
  std::optional<std::string> failed;
  std::filesystem::path aside = outbox_;
  aside += ".rejected";
  Status read = read_ledger_lines(outbox_, [&](const std::string& repo,
                                               const meter::IterationRecord& record) {
    if (failed) return;
    auto added = db.append(repo, record);
    if (added) {
      ++(*added ? sent : known);
    } else if (!db.connected()) {
      failed = added.message();  // sent again once it answers
    } else {
      // The database answers but refuses this record (a grant missing, a text it cannot
      // hold): set aside with its reason, so it does not hold up the others.
      ++rejected;
      if (!append_ledger_line(aside, repo, record)) failed = added.message();
      if (!failed)
        note_ = fmt::format("ralph: warning: {}; set aside in {}", added.message(), aside.string());
    }
  });
  if (!read) return read;
  if (failed) return make_error(*failed);
  // Sent: a crash before the truncation sends them again, and the database keeps each once.
  if (::ftruncate(fd.get(), 0) != 0 || ::fsync(fd.get()) != 0) {
    return make_error(fmt::format("cannot empty {}: {}", outbox_.string(), errno_text(errno)));
  }
  // The record just appended is no news; records that waited are.
  const int waited = sent + known - std::exchange(fresh_, 0);
  if (waited > 0 || (unreachable_noted_ && sent + known > 0)) {
    note_ = fmt::format("ralph: the ledger {} answers: {} record{} kept on this machine sent",
                        redacted_, sent, sent == 1 ? "" : "s");
    if (known > 0) *note_ += fmt::format(" ({} it had already)", known);
  }
  unreachable_noted_ = false;
  return ok_status();
}

Status SharedLedger::append(const std::string& repo, const meter::IterationRecord& record) {
  // On this machine first, until the database has it (README "A shared ledger in PostgreSQL").
  if (Status s = append_ledger_line(outbox_, repo, record); !s) return s;
  fresh_ = 1;
  const bool connected = db_ && db_->connected();
  PgLedger* db = link();
  // A new connection sent the outbox already.
  if (db != nullptr && connected) {
    if (Status s = replay(*db); !s) lost(s.message());
  }
  fresh_ = 0;  // not sent: it waits like the others
  return ok_status();
}

Status SharedLedger::refresh(std::vector<LedgerEntry>& entries, bool may_connect) {
  PgLedger* db = link(may_connect);
  if (db == nullptr) return make_error(last_error_);
  auto read = [&]() -> Status {
    const int64_t from = std::max<int64_t>(0, last_row_ - kRowWindow);
    auto last = db->read_since(from, [&](const SharedEntry& entry) {
      if (!seen_.insert(entry.id).second) return;
      auto ended = parse_rfc3339_utc(entry.record.ended_at);
      if (!ended) ended = parse_rfc3339_utc(entry.record.started_at);
      if (!ended) return;
      entries.push_back(
          LedgerEntry{entry.repo, *ended, entry.record.cost_usd, entry.machine, entry.user});
    });
    if (!last) return last.error();
    last_row_ = std::max(last_row_, *last);
    seen_.erase(seen_.begin(), seen_.lower_bound(last_row_ - kRowWindow));
    auto live = db->others_live(loop_id_, kLiveStaleAfter);
    if (!live) return live.error();
    others_live_ = *live;
    return ok_status();
  };
  // One snapshot of the records and the live rows. A record that has just moved from a loop's
  // live row to the records may count in both until the loop zeroes its row: never less.
  Status done = in_check_ ? read() : db->begin_snapshot();
  if (!in_check_ && done) {
    Status s = read();
    Status ended = db->end_snapshot();
    done = s ? ended : s;
  }
  if (!done) {
    lost(done.message());
    return done;
  }
  return ok_status();
}

Status SharedLedger::for_each_record(
    const std::function<void(const std::string& repo, const meter::IterationRecord&)>& visit) {
  PgLedger* db = link();
  if (db == nullptr) return make_error(last_error_);
  auto read = db->read_since(0, [&](const SharedEntry& entry) { visit(entry.repo, entry.record); });
  if (!read) {
    lost(read.message());
    return read.error();
  }
  return ok_status();
}

Result<std::vector<meter::IterationRecord>> SharedLedger::records_of(const std::string& repo) {
  std::vector<meter::IterationRecord> records;
  PgLedger* db = link();
  if (db == nullptr) return make_error(last_error_);
  // A repository is a path on its machine: the same path on another machine is another one.
  auto read = db->read_since(0, [&](const SharedEntry& entry) {
    if (entry.repo == repo && entry.machine == db->machine()) records.push_back(entry.record);
  });
  if (!read) {
    lost(read.message());
    return read.error();
  }
  Status waiting =
      read_ledger_lines(outbox_, [&](const std::string& of, const meter::IterationRecord& record) {
        if (of == repo) records.push_back(record);
      });
  if (!waiting) return waiting.error();
  return records;
}

bool SharedLedger::publish_live(const std::string& repo, const std::string& run_id, double usd,
                                bool may_connect) {
  const auto now = std::chrono::steady_clock::now();
  // A changed cost at once; the same one as a heartbeat, so a long tool call is not stale.
  if (usd == published_ && now - published_at_ < kHeartbeatEvery) return true;
  PgLedger* db = link(may_connect);
  if (db == nullptr) return false;
  if (Status s = db->publish_live(loop_id_, repo, run_id, usd); !s) {
    lost(s.message());
    return false;
  }
  live_row_ = true;
  published_ = usd;
  published_at_ = now;
  return true;
}

bool SharedLedger::begin_check() {
  PgLedger* db = link();
  if (db == nullptr) return false;
  if (Status s = db->begin_check(); !s) {
    lost(s.message());
    return false;
  }
  in_check_ = true;
  return true;
}

void SharedLedger::end_check() {
  if (!in_check_ || !db_) return;
  in_check_ = false;
  if (Status s = db_->end_check(); !s) lost(s.message());
}

std::optional<std::string> SharedLedger::take_note() {
  return std::exchange(note_, std::nullopt);
}

}  // namespace ralph::budget
