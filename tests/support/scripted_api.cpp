#include "scripted_api.hpp"

#include <sys/socket.h>

#include <future>
#include <stdexcept>

#include <fmt/format.h>
#include <httplib.h>

#include "wire.hpp"

namespace fake_api {
namespace {

using nlohmann::json;

constexpr std::size_t kWorkerThreads = 32;  // hanging requests each hold one until stop()

std::string describe(const Reply& reply) {
  if (reply.conversation == 0) return "side";
  const Turn& turn = reply.turn;
  if (turn.hang) return turn.hang_after_start ? "hang_after_start" : "hang";
  if (turn.drop_after_start) return "drop_after_start";
  switch (turn.kind) {
    case Turn::Kind::kToolUse:
      return "tool_use " + turn.tool;
    case Turn::Kind::kText:
      return "text";
    case Turn::Kind::kError:
      return fmt::format("error {}", turn.error.status);
    case Turn::Kind::kStall:
      break;
  }
  return "stall";
}

void answer_error(httplib::Response& response, const ApiError& error) {
  response.status = error.status;
  if (error.retry_after) response.set_header("retry-after", std::to_string(*error.retry_after));
  for (const auto& [name, value] : error.headers) response.set_header(name, value);
  response.set_content(error_body(error).dump(), "application/json");
}

}  // namespace

ScriptedApi::ScriptedApi(Scenario scenario)
    : script_(std::move(scenario)), server_(std::make_unique<httplib::Server>()) {
  // httplib 0.11 only notices stop() between requests of a keep-alive connection after the
  // keep-alive timeout, so answer every request with "Connection: close" and give up on a
  // connection that sends nothing within a second.
  server_->set_keep_alive_max_count(1);
  server_->set_keep_alive_timeout(1);
  // httplib's default adds SO_REUSEPORT, which lets a second server share a fixed --port.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Post("/v1/messages",
                [this](const httplib::Request& request, httplib::Response& response) {
                  handle_messages(request, response);
                });
  server_->Post("/v1/messages/count_tokens", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"input_tokens":1000})", "application/json");
  });
  // Anything else (the CLI starts with GET /) gets a harmless empty JSON object.
  auto harmless = [](const httplib::Request&, httplib::Response& response) {
    response.set_content("{}", "application/json");
  };
  server_->Get(".*", harmless);
  server_->Post(".*", harmless);
}

ScriptedApi::~ScriptedApi() {
  stop();
}

void ScriptedApi::set_observer(RequestObserver observer) {
  std::lock_guard lock(mutex_);
  observer_ = std::move(observer);
}

int ScriptedApi::start(int port) {
  if (thread_.joinable() || stopping_) {
    throw std::logic_error("ScriptedApi::start: a server starts once");
  }
  const int bound = port == 0 ? server_->bind_to_any_port("127.0.0.1")
                              : (server_->bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) throw std::runtime_error(fmt::format("cannot listen on 127.0.0.1:{}", port));
  port_ = bound;
  // The socket already listens; listen_after_bind() makes the server able to stop() once it
  // has created its task queue, so wait for that.
  auto ready = std::make_shared<std::promise<void>>();
  auto ready_future = ready->get_future();
  server_->new_task_queue = [ready] {
    auto* pool = new httplib::ThreadPool(kWorkerThreads);
    ready->set_value();
    return pool;
  };
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  ready_future.wait();
  return port_;
}

void ScriptedApi::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string ScriptedApi::base_url() const {
  return fmt::format("http://127.0.0.1:{}", port_);
}

int ScriptedApi::conversations_started() const {
  std::lock_guard lock(mutex_);
  return script_.conversations_started();
}

int ScriptedApi::requests_served() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(requests_.size());
}

std::vector<json> ScriptedApi::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

bool ScriptedApi::wait_for_requests(int count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout,
                    [&] { return stopping_ || static_cast<int>(requests_.size()) >= count; });
  return static_cast<int>(requests_.size()) >= count;
}

bool ScriptedApi::wait(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds delay) {
  return !changed_.wait_for(lock, delay, [&] { return stopping_; });
}

void ScriptedApi::handle_messages(const httplib::Request& request, httplib::Response& response) {
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("messages")) {
    answer_error(response,
                 {400, "invalid_request_error", "expected a JSON Messages request", {}, {}});
    return;
  }
  std::unique_lock lock(mutex_);
  requests_.push_back(body);
  // As the real API does: an id per request, which Claude Code writes to its transcripts as
  // each response's requestId.
  response.set_header("request-id", "req_scripted_" + std::to_string(requests_.size()));
  const Reply reply = script_.answer(body, request.get_header_value("X-Claude-Code-Session-Id"));
  if (observer_) {
    observer_({{"n", requests_.size()},
               {"conversation", reply.conversation},
               {"turn", reply.turn_index},
               {"attempt", reply.attempt},
               {"answer", describe(reply)},
               {"message_id", reply.message_id},
               {"stream", body.value("stream", false)},
               {"session_id", request.get_header_value("X-Claude-Code-Session-Id")}});
  }
  changed_.notify_all();

  const ApiError stopping_error{503, "overloaded_error", "the scripted server is stopping", {}, {}};
  const Turn& turn = reply.turn;
  if (!wait(lock, std::chrono::milliseconds(turn.delay_ms))) {
    return answer_error(response, stopping_error);
  }
  if (turn.kind == Turn::Kind::kError) return answer_error(response, turn.error);
  if (turn.hang && !turn.hang_after_start) {
    changed_.wait(lock, [&] { return stopping_; });
    return answer_error(response, stopping_error);
  }
  lock.unlock();

  const std::string model = body.value("model", "claude-sonnet-5");
  if (turn.hang || turn.drop_after_start) {
    return stream_then_stall(response, message_start(reply.message_id, model, turn.usage),
                             turn.hang);
  }
  if (!body.value("stream", false)) {
    json message = message_json(turn, reply.message_id, reply.tool_use_id, model);
    return response.set_content(message.dump(), "application/json");
  }
  response.set_content(
      message_start(reply.message_id, model, turn.usage) + message_rest(turn, reply.tool_use_id),
      "text/event-stream");
}

// Sends the headers and message_start, then waits for stop() (hang) or not (drop), and closes
// the connection without finishing the chunked body.
void ScriptedApi::stream_then_stall(httplib::Response& response, std::string start, bool hang) {
  response.set_chunked_content_provider(
      "text/event-stream",
      [this, start = std::move(start), hang](std::size_t, httplib::DataSink& sink) {
        sink.write(start.data(), start.size());
        if (hang) {
          std::unique_lock lock(mutex_);
          changed_.wait(lock, [&] { return stopping_; });
        }
        return false;  // abort: httplib closes the connection
      });
}

}  // namespace fake_api
