// The processes of this machine as /proc shows them: who is whose parent, which group and
// session each is in, when it started, and what its environment held when it started.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ralph::agent {

struct ProcessEntry {
  int pid = 0;
  int ppid = 0;
  int pgid = 0;
  int sid = 0;
  uid_t uid = 0;
  char state = '?';          // R, S, D, T, Z (a zombie: ended, not yet reaped)...
  uint64_t start_ticks = 0;  // clock ticks since boot (/proc/PID/stat field 22)

  bool zombie() const { return state == 'Z' || state == 'X'; }
};

// Every process /proc lists now (those that vanish while it is read are left out).
std::vector<ProcessEntry> list_processes();

// One process, or nullopt when none with that pid runs.
std::optional<ProcessEntry> read_process(int pid);

// This process's children, from /proc/self/task/*/children; nullopt when the kernel does not
// list them (built without CONFIG_PROC_CHILDREN).
std::optional<std::vector<int>> own_children();

// When process `pid` started (clock ticks since boot): with the pid it identifies a process
// across pid reuse. nullopt when no such process runs.
std::optional<uint64_t> process_start_ticks(int pid);

// Now, in the clock ticks since boot that start times are counted in.
uint64_t boot_ticks_now();

// The value `name` had in the environment process `pid` was started with, or nullopt (no such
// variable, or the environment cannot be read: another user's process, a zombie).
std::optional<std::string> process_env_value(int pid, std::string_view name);

// What to call the process in a message: the file name of its argv[0] ("redis-server"), else
// its command name.
std::string process_name(int pid);

}  // namespace ralph::agent
