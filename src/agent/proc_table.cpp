#include "agent/proc_table.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "util/fd.hpp"

namespace ralph::agent {

namespace {

// Reads a small /proc file whole (at most `limit` bytes); nullopt when it cannot be opened.
std::optional<std::string> read_proc_file(const std::string& path, size_t limit) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  std::string data;
  char buffer[4096];
  while (data.size() < limit) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Fields 3 to 22 of /proc/PID/stat, after the command name (which may hold spaces and
// parentheses, so it is skipped up to its last ')').
bool parse_stat(std::string_view stat, ProcessEntry& entry) {
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos || close + 2 >= stat.size()) return false;
  std::string_view rest = stat.substr(close + 2);
  std::string_view fields[20];
  for (int i = 0; i < 20; ++i) {
    size_t space = rest.find(' ');
    fields[i] = rest.substr(0, space);
    if (space == std::string_view::npos) {
      if (i < 19) return false;
      break;
    }
    rest.remove_prefix(space + 1);
  }
  if (fields[0].size() != 1) return false;
  entry.state = fields[0][0];
  return parse_number(fields[1], entry.ppid) && parse_number(fields[2], entry.pgid) &&
         parse_number(fields[3], entry.sid) && parse_number(fields[19], entry.start_ticks);
}

}  // namespace

std::optional<ProcessEntry> read_process(int pid) {
  const std::string dir = fmt::format("/proc/{}", pid);
  auto stat = read_proc_file(dir + "/stat", 4096);
  ProcessEntry entry;
  entry.pid = pid;
  if (!stat || !parse_stat(*stat, entry)) return std::nullopt;
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return std::nullopt;
  entry.uid = info.st_uid;
  return entry;
}

std::vector<ProcessEntry> list_processes() {
  std::vector<ProcessEntry> entries;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return entries;
  while (dirent* item = ::readdir(dir)) {
    int pid = 0;
    if (!parse_number(std::string_view(item->d_name), pid) || pid <= 0) continue;
    if (auto entry = read_process(pid)) entries.push_back(*entry);
  }
  ::closedir(dir);
  return entries;
}

std::optional<std::vector<int>> own_children() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return std::nullopt;
  std::vector<int> children;
  bool listed = false;
  while (dirent* item = ::readdir(dir)) {
    int tid = 0;
    if (!parse_number(std::string_view(item->d_name), tid)) continue;
    auto text = read_proc_file(fmt::format("/proc/self/task/{}/children", tid), 1 << 20);
    if (!text) continue;
    listed = true;
    std::string_view rest = *text;
    while (!rest.empty()) {
      size_t space = rest.find(' ');
      int pid = 0;
      if (parse_number(rest.substr(0, space), pid)) children.push_back(pid);
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  ::closedir(dir);
  if (!listed) return std::nullopt;
  return children;
}

std::optional<uint64_t> process_start_ticks(int pid) {
  auto entry = read_process(pid);
  if (!entry) return std::nullopt;
  return entry->start_ticks;
}

uint64_t boot_ticks_now() {
  // Start times count from boot with suspend included, as CLOCK_BOOTTIME does.
  timespec now{};
  ::clock_gettime(CLOCK_BOOTTIME, &now);
  const auto hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
  return static_cast<uint64_t>(now.tv_sec) * hz +
         static_cast<uint64_t>(now.tv_nsec) * hz / 1'000'000'000u;
}

std::optional<std::string> process_env_value(int pid, std::string_view name) {
  auto environment = read_proc_file(fmt::format("/proc/{}/environ", pid), 4 * 1024 * 1024);
  if (!environment) return std::nullopt;
  std::string_view rest = *environment;
  while (!rest.empty()) {
    size_t end = rest.find('\0');
    std::string_view entry = rest.substr(0, end);
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      return std::string(entry.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::string process_name(int pid) {
  if (auto cmdline = read_proc_file(fmt::format("/proc/{}/cmdline", pid), 4096);
      cmdline && !cmdline->empty()) {
    std::string_view argv0(cmdline->c_str());
    size_t slash = argv0.rfind('/');
    if (slash != std::string_view::npos) argv0.remove_prefix(slash + 1);
    if (!argv0.empty()) return std::string(argv0);
  }
  auto comm = read_proc_file(fmt::format("/proc/{}/comm", pid), 256).value_or("");
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm.empty() ? "?" : comm;
}

}  // namespace ralph::agent
