// ScriptedApi: a local HTTP server that speaks enough of the Anthropic Messages API to drive
// the real Claude Code CLI, answering each request from a Scenario.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario.hpp"
#include "script.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace fake_api {

class ScriptedApi {
 public:
  // Sees a one-object summary of every /v1/messages request (see README.md), in order.
  using RequestObserver = std::function<void(const nlohmann::json& summary)>;

  explicit ScriptedApi(Scenario scenario);
  ~ScriptedApi();  // stops
  ScriptedApi(const ScriptedApi&) = delete;
  ScriptedApi& operator=(const ScriptedApi&) = delete;

  void set_observer(RequestObserver observer);  // call before start()

  // Binds 127.0.0.1:port (0: an ephemeral port), serves on a thread and returns the port once
  // the server accepts requests. Throws std::runtime_error when it cannot bind.
  int start(int port = 0);  // once per object
  // Wakes hanging and delayed requests, closes the socket and joins the server thread.
  void stop();

  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  int conversations_started() const;
  int requests_served() const;  // /v1/messages requests received, side requests included
  std::vector<nlohmann::json> requests() const;  // their bodies, in order
  // Blocks until requests_served() >= count (true), or the timeout passes or the server
  // stops (false).
  bool wait_for_requests(int count, std::chrono::milliseconds timeout) const;

 private:
  void handle_messages(const httplib::Request& request, httplib::Response& response);
  // Waits `delay` or until stop(); false when stopped. Needs `lock` held.
  bool wait(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds delay);
  void stream_then_stall(httplib::Response& response, std::string start, bool hang);

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Script script_;
  std::vector<nlohmann::json> requests_;
  bool stopping_ = false;
  RequestObserver observer_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace fake_api
