// A real PostgreSQL server for the tests of the shared ledger: Debian's `postgresql` (which
// scripts/test.sh installs), a fresh cluster in a temporary folder, run as an unprivileged
// user (the `postgres` account when the tests run as root), reached over TCP on 127.0.0.1.
#pragma once

#include <filesystem>
#include <string>

namespace ralph::integration {

class PostgresServer {
 public:
  // Makes the cluster (trust authentication for the user "ralph") and starts it; a failure
  // fails the test that asked, with initdb's or pg_ctl's words.
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // An empty database of that name, and its URL.
  std::string create_database(const std::string& name);
  std::string url(const std::string& database) const;
  // Runs one SQL statement as the cluster's superuser; its output, unaligned, tuples only.
  std::string sql(const std::string& database, const std::string& statement) const;
  // The same as the role `role`: what it may not do comes back as psql's error.
  std::string sql_as(const std::string& database, const std::string& role,
                     const std::string& statement) const;
  // A superuser `role` that must log in with `password` (scram-sha-256), unlike the others.
  void require_password(const std::string& role, const std::string& password);
  int port() const { return port_; }
  void stop();
  void start();
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

 private:
  // Runs a command of the server's binaries as the unprivileged user; its output.
  int run(const std::string& command, std::string& output) const;

  std::filesystem::path dir_;
  std::filesystem::path bin_;
  std::string as_user_;  // "" when the tests are not root
  int port_ = 0;
  bool running_ = false;
  bool ok_ = false;
  std::string error_;
};

}  // namespace ralph::integration
