// ralph-fake-api: serves a scenario file as a scripted Anthropic Messages API until SIGTERM or
// SIGINT. See tests/support/README.md.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "scenario.hpp"
#include "scripted_api.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: ralph-fake-api --scenario FILE [--port N] [--port-file FILE] [--log FILE]";

struct Options {
  std::filesystem::path scenario;
  int port = 0;
  std::optional<std::filesystem::path> port_file;
  std::optional<std::filesystem::path> log;
};

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage << std::endl;
      std::exit(0);
    }
    if (i + 1 >= argc)
      throw std::runtime_error(fmt::format("unknown or incomplete option {}; {}", arg, kUsage));
    std::string value = argv[++i];
    if (arg == "--scenario") {
      options.scenario = value;
    } else if (arg == "--port") {
      std::size_t used = 0;
      try {
        options.port = std::stoi(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != value.size() || options.port < 0 || options.port > 65535) {
        throw std::runtime_error(fmt::format("--port: expected a port number, got \"{}\"", value));
      }
    } else if (arg == "--port-file") {
      options.port_file = value;
    } else if (arg == "--log") {
      options.log = value;
    } else {
      throw std::runtime_error(fmt::format("unknown option {}; {}", arg, kUsage));
    }
  }
  if (options.scenario.empty())
    throw std::runtime_error(fmt::format("missing --scenario; {}", kUsage));
  return options;
}

// Writes the port next to `path`, then renames it into place so readers never see half a file.
void write_port_file(const std::filesystem::path& path, int port) {
  auto temporary = path;
  temporary += fmt::format(".tmp{}", getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << port << '\n';
    if (!out.flush()) throw std::runtime_error(fmt::format("{}: cannot write", temporary.string()));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw std::runtime_error(fmt::format("{}: {}", path.string(), error.message()));
}

int signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int) {
  const int saved_errno = errno;
  const char byte = 1;
  [[maybe_unused]] auto written = write(signal_pipe[1], &byte, 1);
  errno = saved_errno;
}

void install_signal_handlers() {
  if (pipe2(signal_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("pipe: {}", std::strerror(errno)));
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void wait_for_signal() {
  char byte = 0;
  while (read(signal_pipe[0], &byte, 1) < 0 && errno == EINTR) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::ofstream log;  // outlives the server, whose observer writes to it
  std::mutex log_mutex;
  std::unique_ptr<fake_api::ScriptedApi> api;
  try {
    Options options = parse_options(argc, argv);
    api = std::make_unique<fake_api::ScriptedApi>(fake_api::load_scenario(options.scenario));
    if (options.log) {
      log.open(*options.log, std::ios::app);
      if (!log)
        throw std::runtime_error(fmt::format("{}: cannot open the log", options.log->string()));
      api->set_observer([&](const nlohmann::json& summary) {
        std::lock_guard lock(log_mutex);
        log << summary.dump() << std::endl;
      });
    }
    install_signal_handlers();
    int port = api->start(options.port);
    if (options.port_file) write_port_file(*options.port_file, port);
    std::cout << "listening on " << api->base_url() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "ralph-fake-api: error: " << e.what() << std::endl;
    return 2;
  }
  wait_for_signal();
  api->stop();
  return 0;
}
