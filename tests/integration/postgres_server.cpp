#include "postgres_server.hpp"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <fmt/format.h>

namespace ralph::integration {

namespace fs = std::filesystem;

namespace {

// A TCP port nobody listens on now.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// Debian's newest PostgreSQL binaries.
fs::path server_binaries() {
  fs::path best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(entry.path() / "bin" / "initdb") && entry.path() > best) best = entry.path();
  }
  return best.empty() ? best : best / "bin";
}

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

PostgresServer::PostgresServer() {
  bin_ = server_binaries();
  if (bin_.empty()) {
    error_ = "no PostgreSQL server under /usr/lib/postgresql (scripts/test.sh installs it)";
    return;
  }
  char pattern[] = "/tmp/ralph-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    error_ = "cannot make a temporary folder";
    return;
  }
  dir_ = pattern;
  if (::geteuid() == 0) {
    // initdb refuses root: the cluster is the postgres account's, as Debian's are.
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) {
      error_ = "no postgres account (the postgresql package makes it)";
      return;
    }
    as_user_ = "postgres";
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      error_ = "cannot give the folder to postgres";
      return;
    }
  }
  std::string output;
  if (run(fmt::format("{} -D {} -A trust -U ralph --no-sync -E UTF8", (bin_ / "initdb").string(),
                      quoted((dir_ / "data").string())),
          output) != 0) {
    error_ = "initdb failed: " + output;
    return;
  }
  port_ = free_port();
  start();
  ok_ = running_;
}

PostgresServer::~PostgresServer() {
  stop();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

int PostgresServer::run(const std::string& command, std::string& output) const {
  std::string line =
      as_user_.empty() ? command : fmt::format("runuser -u {} -- {}", as_user_, command);
  line += " 2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  output.clear();
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void PostgresServer::require_password(const std::string& role, const std::string& password) {
  sql("postgres", fmt::format("CREATE ROLE {} LOGIN SUPERUSER PASSWORD '{}'", role, password));
  // pg_hba.conf is read from the top: the role's line before the trust lines.
  const fs::path hba = dir_ / "data" / "pg_hba.conf";
  std::ifstream in(hba);
  std::string rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::ofstream(hba, std::ios::trunc)
      << fmt::format("host all {} 127.0.0.1/32 scram-sha-256\n", role) << rest;
  std::string output;
  (void)run(
      fmt::format("{} -D {} reload", (bin_ / "pg_ctl").string(), quoted((dir_ / "data").string())),
      output);
  // The server reads it anew soon after the signal: until then the role gets in without one.
  for (int i = 0; i < 100; ++i) {
    if (sql_as("postgres", role, "SELECT 1").find("password") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void PostgresServer::start() {
  if (running_ || bin_.empty()) return;
  std::string output;
  const std::string options = fmt::format(
      "-F -p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=40", port_, dir_.string());
  if (run(fmt::format("{} -D {} -o {} -l {} -w start", (bin_ / "pg_ctl").string(),
                      quoted((dir_ / "data").string()), quoted(options),
                      quoted((dir_ / "server.log").string())),
          output) != 0) {
    error_ = "pg_ctl start failed: " + output;
    return;
  }
  running_ = true;
}

void PostgresServer::stop() {
  if (!running_) return;
  std::string output;
  (void)run(fmt::format("{} -D {} -m fast -w stop", (bin_ / "pg_ctl").string(),
                        quoted((dir_ / "data").string())),
            output);
  running_ = false;
}

std::string PostgresServer::url(const std::string& database) const {
  return fmt::format("postgresql://ralph@127.0.0.1:{}/{}", port_, database);
}

std::string PostgresServer::sql(const std::string& database, const std::string& statement) const {
  return sql_as(database, "ralph", statement);
}

std::string PostgresServer::sql_as(const std::string& database, const std::string& role,
                                   const std::string& statement) const {
  std::string output;
  (void)run(fmt::format("{} -X -A -t -q -h 127.0.0.1 -p {} -U {} -d {} -c {}",
                        (bin_ / "psql").string(), port_, role, database, quoted(statement)),
            output);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

std::string PostgresServer::create_database(const std::string& name) {
  sql("postgres", "CREATE DATABASE " + name);
  return url(name);
}

}  // namespace ralph::integration
