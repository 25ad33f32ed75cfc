#include "util/file_lines.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "util/fd.hpp"
#include "util/fs.hpp"

namespace ralph {

namespace {

// Blocks well inside the CPU's cache: the lines are still in it when they are visited.
constexpr size_t kBlock = 1 << 19;
// Files with more than this many blocks left are read and parsed on a second thread too.
constexpr uint64_t kParallelBlocks = 8;

struct Buffer {
  std::unique_ptr<char[]> bytes;
  size_t capacity = 0;  // without the padding
  size_t filled = 0;

  void reserve(size_t size, size_t padding) {
    if (size <= capacity) return;
    auto larger = std::make_unique_for_overwrite<char[]>(size + padding);
    if (filled > 0) std::memcpy(larger.get(), bytes.get(), filled);
    bytes = std::move(larger);
    capacity = size;
  }
};

// Reads a file's complete lines block after block into buffers, each block starting with the
// line the one before cut.
class BlockReader {
 public:
  BlockReader(int fd, uint64_t offset, size_t padding)
      : fd_(fd), position_(offset), padding_(padding) {}

  // The next block's complete lines into `block` (each then its newline, and `padding`
  // readable bytes after the block): their length, or 0 at the end of the file, or -1 with
  // `error()` set.
  ssize_t next(Buffer& block) {
    block.filled = 0;
    block.reserve(std::max(kBlock, 2 * carry_.size()), padding_);
    std::memcpy(block.bytes.get(), carry_.data(), carry_.size());
    block.filled = carry_.size();
    for (;;) {
      if (block.filled == block.capacity) block.reserve(2 * block.capacity, padding_);
      ssize_t n;
      do {
        n = ::pread(fd_, block.bytes.get() + block.filled, block.capacity - block.filled,
                    static_cast<off_t>(position_));
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        error_ = errno;
        return -1;
      }
      if (n == 0) {  // what is left is an unfinished line
        carry_.assign(block.bytes.get(), block.filled);
        return 0;
      }
      position_ += static_cast<uint64_t>(n);
      block.filled += static_cast<size_t>(n);
      std::string_view data(block.bytes.get(), block.filled);
      size_t last = data.rfind('\n');
      if (last == std::string_view::npos) continue;  // a long line: read on
      carry_.assign(data.substr(last + 1));
      std::memset(block.bytes.get() + block.filled, ' ', padding_);
      return static_cast<ssize_t>(last + 1);
    }
  }

  int error() const { return error_; }
  std::string_view unfinished() const { return carry_; }

 private:
  int fd_;
  uint64_t position_;
  size_t padding_;
  std::string carry_;
  int error_ = 0;
};

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r") == std::string::npos;
}

}  // namespace

Result<LinesRead> read_blocks_from(const std::filesystem::path& path, uint64_t offset,
                                   size_t padding, BlockWork& work) {
  LinesRead read;
  read.end_offset = offset;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return read;
    return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(errno)));
  }
  auto failed = [&path](int error) {
    return make_error(fmt::format("cannot read {}: {}", path.string(), errno_text(error)));
  };
  BlockReader reader(fd.get(), offset, padding);
  Buffer blocks[kBlockSlots];
  struct stat st {};
  const bool large = ::fstat(fd.get(), &st) == 0 && static_cast<uint64_t>(st.st_size) > offset &&
                     static_cast<uint64_t>(st.st_size) - offset > kParallelBlocks * kBlock;
  if (!large) {  // one block at a time, on this thread
    for (;;) {
      ssize_t n = reader.next(blocks[0]);
      if (n < 0) return failed(reader.error());
      if (n == 0) break;
      work.parse(0, 0, std::string_view(blocks[0].bytes.get(), static_cast<size_t>(n)));
      work.visit(0);
      read.end_offset += static_cast<uint64_t>(n);
    }
    read.partial_tail = !blank(reader.unfinished());
    return read;
  }

  // A second thread reads every block ahead, as long as a slot is free, and otherwise parses
  // the newest block read that this thread has not taken; this one takes the oldest, parses
  // it unless the other did, and visits them all, in file order. The two share the parsing
  // as their other work allows. A block's slot is free again once visited.
  enum class Slot { kFree, kRead, kParsing, kParsed };
  std::mutex mutex;
  std::condition_variable changed;
  Slot state[kBlockSlots] = {};
  int64_t number_in[kBlockSlots] = {};  // which block each slot holds
  std::string_view lines[kBlockSlots];
  int64_t end = -1;  // the block number that is the end of the file, once known
  int error = 0;
  bool stop = false;
  std::thread helper([&] {
    int64_t next = 0;  // the next block to read
    std::unique_lock lock(mutex);
    for (;;) {
      auto newest_unparsed = [&] {
        int found = -1;
        for (int s = 0; s < kBlockSlots; ++s) {
          if (state[s] == Slot::kRead && (found < 0 || number_in[s] > number_in[found])) found = s;
        }
        return found;
      };
      const int read_slot = static_cast<int>(next % kBlockSlots);
      changed.wait(lock, [&] {
        return stop || (end < 0 && state[read_slot] == Slot::kFree) || newest_unparsed() >= 0 ||
               end >= 0;
      });
      if (stop) return;
      if (end < 0 && state[read_slot] == Slot::kFree) {
        lock.unlock();
        ssize_t n = reader.next(blocks[read_slot]);
        lock.lock();
        if (n <= 0) {
          end = next;
          error = n < 0 ? reader.error() : 0;
        } else {
          lines[read_slot] =
              std::string_view(blocks[read_slot].bytes.get(), static_cast<size_t>(n));
          number_in[read_slot] = next++;
          state[read_slot] = Slot::kRead;
        }
        changed.notify_all();
        continue;
      }
      const int slot = newest_unparsed();
      if (slot < 0) return;  // the end was read and nothing is left to parse
      state[slot] = Slot::kParsing;
      lock.unlock();
      work.parse(slot, 1, lines[slot]);
      lock.lock();
      state[slot] = Slot::kParsed;
      changed.notify_all();
    }
  });
  struct Join {  // the helper stops, whichever way this function ends
    std::function<void()> stop;
    ~Join() { stop(); }
  } join{[&] {
    {
      std::lock_guard lock(mutex);
      stop = true;
    }
    changed.notify_all();
    if (helper.joinable()) helper.join();
  }};
  for (int64_t number = 0;; ++number) {
    const int slot = static_cast<int>(number % kBlockSlots);
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] {
        return state[slot] == Slot::kRead || state[slot] == Slot::kParsed || end == number;
      });
      if (state[slot] == Slot::kFree) break;  // the end
      if (state[slot] == Slot::kRead) {
        state[slot] = Slot::kParsing;
        lock.unlock();
        work.parse(slot, 0, lines[slot]);
        lock.lock();
        state[slot] = Slot::kParsed;
      }
    }
    work.visit(slot);
    read.end_offset += lines[slot].size();
    {
      std::lock_guard lock(mutex);
      state[slot] = Slot::kFree;
    }
    changed.notify_all();
  }
  join.stop();
  if (error != 0) return failed(error);
  read.partial_tail = !blank(reader.unfinished());
  return read;
}

namespace {

// Lines, visited one by one.
class LineWork : public BlockWork {
 public:
  explicit LineWork(const std::function<void(std::string_view line)>& visit) : visit_(visit) {}
  void parse(int slot, int, std::string_view lines) override { lines_[slot] = lines; }
  void visit(int slot) override {
    std::string_view data = lines_[slot];
    for (size_t start = 0, end; start < data.size(); start = end + 1) {
      end = data.find('\n', start);
      visit_(data.substr(start, end - start));
    }
  }

 private:
  const std::function<void(std::string_view line)>& visit_;
  std::string_view lines_[kBlockSlots];
};

}  // namespace

Result<LinesRead> read_lines_from(const std::filesystem::path& path, uint64_t offset,
                                  size_t padding,
                                  const std::function<void(std::string_view line)>& visit) {
  LineWork work(visit);
  return read_blocks_from(path, offset, padding, work);
}

}  // namespace ralph
