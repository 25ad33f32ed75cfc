// The example hooks shipped in hooks/, run for real by the built ralph: the webhook notifier
// against a local HTTP listener, the test gate with a passing and a failing test command,
// and the desktop notifier with and without notify-send.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Copies hooks/<name> from the source tree into the test's repository, as a user would.
void install_example(const Harness& h, const std::string& name) {
  fs::create_directories(h.repo() / "hooks");
  fs::copy_file(fs::path(RALPH_SOURCE_DIR) / "hooks" / name, h.repo() / "hooks" / name,
                fs::copy_options::overwrite_existing);
  fs::permissions(h.repo() / "hooks" / name, fs::perms::owner_all, fs::perm_options::add);
}

// $PATH without the folders that hold `program`, after the folder of the Claude Code CLI.
std::string path_without(const std::string& program) {
  std::string path = claude_path().parent_path().string();
  std::string_view rest = std::getenv("PATH");
  for (;;) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (!dir.empty() && !fs::exists(fs::path(dir) / program)) path += ":" + dir;
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return path;
}

// A local stand-in for a Slack incoming webhook: records each POST.
class WebhookListener {
 public:
  WebhookListener() {
    server_.Post("/services/T000/B000/abcdef",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   std::lock_guard<std::mutex> lock(mutex_);
                   bodies_.push_back(request.body);
                   content_types_.push_back(request.get_header_value("Content-Type"));
                   response.set_content("ok", "text/plain");
                 });
    // Bound and listening on return: a POST made before the thread accepts it waits in the
    // backlog.
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~WebhookListener() {
    server_.stop();
    thread_.join();
  }
  std::string url() const {
    return fmt::format("http://127.0.0.1:{}/services/T000/B000/abcdef", port_);
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }
  std::vector<std::string> content_types() {
    std::lock_guard<std::mutex> lock(mutex_);
    return content_types_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::string> content_types_;
};

TEST(HooksExamplesTest, WebhookNotifierPostsSlackStyleJsonForEachEvent) {
  Harness h("hooks_webhook");
  h.write_plan(1);
  install_example(h, "notify-webhook.sh");
  h.write("plans/ralph.json", R"({"hooks": {
    "pre_iteration": ["hooks/notify-webhook.sh"],
    "post_iteration": ["hooks/notify-webhook.sh"],
    "on_halt": ["hooks/notify-webhook.sh"]}})");
  h.commit_all("Add the plan and the webhook hook");
  WebhookListener listener;
  h.set_env("RALPH_WEBHOOK_URL", listener.url());

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out.find("warning: hook"), std::string::npos) << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 1u);

  // Hooks run one after another and ralph waits for each: every POST has arrived.
  auto bodies = listener.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  std::vector<std::string> texts;
  for (const auto& body : bodies) {
    json message = json::parse(body, nullptr, false);
    ASSERT_TRUE(message.is_object()) << body;
    ASSERT_EQ(message.size(), 1u) << body;  // Slack's minimal message: {"text": "..."}
    ASSERT_TRUE(message["text"].is_string()) << body;
    texts.push_back(message["text"]);
  }
  for (const auto& type : listener.content_types()) EXPECT_EQ(type, "application/json");
  const std::string run_id = records[0]["run_id"];
  EXPECT_EQ(texts[0], fmt::format("ralph repo: iteration 1 starts US-001 Item 1 "
                                  "[claude-sonnet-5-5]; spent $0 (run {})",
                                  run_id));
  EXPECT_NE(texts[1].find("ralph repo: iteration 1 success on US-001, $"), std::string::npos)
      << texts[1];
  EXPECT_NE(texts[1].find(", commit " + records[0]["commit"].get<std::string>().substr(0, 10)),
            std::string::npos)
      << texts[1];
  EXPECT_NE(texts[2].find("ralph repo: halted complete (exit 0): all 1 items in plans/prd.json "
                          "pass. 1/1 items pass; 1 iterations, $"),
            std::string::npos)
      << texts[2];

  // An anomaly, as ralph gives it to on_anomaly hooks (README "Hooks").
  h.write(".ralph/anomaly.json",
          R"({"event":"on_anomaly","run_id":"r1","iteration":6,"item_id":"US-006",)"
          R"("metric":"cost","value":0.2,"median":0.008,"anomaly":"cost 25.0x the run's median",)"
          R"("halting":true})");
  CommandResult anomaly = h.shell("hooks/notify-webhook.sh < .ralph/anomaly.json");
  EXPECT_EQ(anomaly.exit_code, 0) << anomaly.err;
  ASSERT_EQ(listener.bodies().size(), 4u);
  EXPECT_EQ(json::parse(listener.bodies()[3])["text"],
            "ralph repo: iteration 6 on US-006 is an anomaly: cost 25.0x the run's median; "
            "halting the run (run r1)");

  // Without a URL it fails, saying what to do.
  h.set_env("RALPH_WEBHOOK_URL", "");
  CommandResult unset =
      h.shell("hooks/notify-webhook.sh < .ralph/runs/" + run_id + "/hook-on_halt.json");
  EXPECT_EQ(unset.exit_code, 2);
  EXPECT_NE(unset.err.find("RALPH_WEBHOOK_URL is not set"), std::string::npos) << unset.err;
  EXPECT_EQ(listener.bodies().size(), 4u);
}

TEST(HooksExamplesTest, TestGateRejectsAFailingTestRunAndPassesAGoodOne) {
  Harness h("hooks_test_gate");
  h.write_plan(1);
  install_example(h, "test-gate.sh");
  // The project's tests: `make test`, found by the gate on its own.
  h.write("Makefile",
          "test:\n"
          "\t@test -f two.txt || { echo 'FAIL: two.txt is missing'; exit 1; }\n"
          "\t@echo 'all tests pass'\n");
  h.write("plans/ralph.json", R"({"hooks": {"pre_commit": ["hooks/test-gate.sh"]}})");
  h.commit_all("Add the plan, the tests and the gate");

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("ralph: iteration 1 rejected: pre_commit hook hooks/test-gate.sh exited "
                         "with 1: test-gate: FAILED: make test exited with 2"),
            std::string::npos)
      << run.out;
  auto records = h.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["outcome"], "rejected");
  EXPECT_EQ(records[0]["rejected_by"], "hooks/test-gate.sh");
  EXPECT_TRUE(records[0]["commit"].is_null());
  EXPECT_EQ(records[1]["outcome"], "success");
  ASSERT_TRUE(records[1]["commit"].is_string());
  EXPECT_EQ(h.git({"show", "--format=", "--name-only", "HEAD"}).out,
            "one.txt\nplans/prd.json\nplans/progress.txt\ntwo.txt\n");
  // The failing output reached the next iteration; the passing run is in the hooks log.
  std::string progress = h.read("plans/progress.txt");
  EXPECT_NE(progress.find("    FAIL: two.txt is missing"), std::string::npos) << progress;
  std::string log = h.read(".ralph/runs/" + records[0]["run_id"].get<std::string>() + "/hooks.log");
  EXPECT_NE(log.find("test-gate: passed: make test"), std::string::npos) << log;

  // RALPH_TEST_COMMAND wins over detection; with neither, the gate refuses.
  CommandResult failing = h.shell("RALPH_TEST_COMMAND='echo 3 failed; exit 3' hooks/test-gate.sh");
  EXPECT_EQ(failing.exit_code, 1);
  EXPECT_EQ(failing.err, "3 failed\ntest-gate: FAILED: echo 3 failed; exit 3 exited with 3\n");
  CommandResult passing = h.shell("RALPH_TEST_COMMAND='test -f two.txt' hooks/test-gate.sh");
  EXPECT_EQ(passing.exit_code, 0) << passing.err;
  CommandResult none = h.shell("rm Makefile && hooks/test-gate.sh");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("set RALPH_TEST_COMMAND"), std::string::npos);
}

TEST(HooksExamplesTest, DesktopNotifierUsesNotifySendOrElseRingsTheBell) {
  Harness h("hooks_desktop");
  h.write_plan(1);
  install_example(h, "notify-desktop.sh");
  h.write("plans/ralph.json", R"({"hooks": {"on_halt": ["hooks/notify-desktop.sh"]}})");
  h.commit_all("Add the plan and the desktop notifier");
  h.set_env("PATH", path_without("notify-send"));

  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out.find("warning: hook"), std::string::npos) << run.out;
  const std::string run_dir = ".ralph/runs/" + h.records().at(0)["run_id"].get<std::string>();
  // No notify-send and no terminal (the harness gives ralph none): the bell and the line go to
  // stderr, which ralph keeps in hooks.log.
  std::string log = h.read(run_dir + "/hooks.log");
  EXPECT_NE(log.find("\aralph: complete - repo: all 1 items in plans/prd.json pass (1/1 items "
                     "pass, 1 iterations, $"),
            std::string::npos)
      << log;

  // With notify-send on PATH, the same event becomes a desktop notification.
  const fs::path bin = h.repo().parent_path() / "bin";
  const fs::path sent = h.repo().parent_path() / "sent.txt";
  fs::create_directories(bin);
  {
    std::ofstream(bin / "notify-send") << fmt::format(
        "#!/bin/sh\nfor arg in \"$@\"; do echo \"$arg\"; done > '{}'\n", sent.string());
  }
  fs::permissions(bin / "notify-send", fs::perms::owner_all, fs::perm_options::add);
  h.set_env("PATH", bin.string() + ":" + path_without("notify-send"));
  CommandResult notified = h.shell("hooks/notify-desktop.sh < " + run_dir + "/hook-on_halt.json");
  EXPECT_EQ(notified.exit_code, 0) << notified.err;
  EXPECT_EQ(notified.err, "");  // no bell: the notification was enough
  std::ifstream in(sent);
  std::vector<std::string> args;
  for (std::string line; std::getline(in, line);) args.push_back(line);
  ASSERT_EQ(args.size(), 4u);
  EXPECT_EQ(args[0], "--app-name=ralph");
  EXPECT_EQ(args[1], "--urgency=normal");
  EXPECT_EQ(args[2], "ralph: complete");
  EXPECT_EQ(args[3].rfind("repo: all 1 items in plans/prd.json pass (1/1 items pass", 0), 0u)
      << args[3];
}

}  // namespace
}  // namespace ralph::integration
