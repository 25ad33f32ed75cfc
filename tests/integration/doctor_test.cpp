// `ralph doctor` on a setup that is ready and on one that is broken in every way it checks.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace ralph::integration {
namespace {

using nlohmann::json;

// The check called `name` in doctor's JSON.
json check(const json& report, const std::string& name) {
  for (const auto& c : report["checks"]) {
    if (c["name"] == name) return c;
  }
  return nullptr;
}

TEST(DoctorTest, AHealthySetupIsReady) {
  Harness h("untouched");
  h.add_plan(2);
  CommandResult text = h.ralph({"doctor"});
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("doctor: ready for `ralph run`"), std::string::npos) << text.out;
  CommandResult run = h.ralph({"doctor", "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.out;
  json report = json::parse(run.out);
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["failures"], 0);
  for (const auto& c : report["checks"]) EXPECT_EQ(c["status"], "ok") << c.dump();
  EXPECT_NE(check(report, "agent")["what"].get<std::string>().find("Claude Code 2.1."),
            std::string::npos);
  EXPECT_EQ(check(report, "git identity")["what"], "commits by Test Person <test@example.com>");
  EXPECT_EQ(check(report, "branch")["what"], "the run works on main");
  EXPECT_EQ(check(report,
                  "price of claude-opus-5-5 (the agent's default with Claude Code "
                  "2.1.330)")["what"],
            "exact");
  EXPECT_EQ(h.api().requests_served(), 0);  // it runs nothing against the API
}

TEST(DoctorTest, ABrokenSetupFailsWithWhatToDo) {
  Harness h("untouched");
  h.add_plan(1);
  h.write("plans/prd.json", "{\"userStories\": [}");
  h.write("agent.sh", "#!/bin/sh\necho '9.9.9 (Claude Code)'\n");
  h.shell("chmod +x agent.sh");
  h.write("plans/ralph.json", R"({"agent": "./agent.sh"})");
  h.set_env("ANTHROPIC_API_KEY", "");  // and no logged-in Claude Code in this $HOME
  h.git({"checkout", "-q", "--detach"});
  CommandResult run = h.ralph({"doctor", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  json report = json::parse(run.out);
  EXPECT_EQ(report["ok"], false);
  EXPECT_EQ(check(report, "credentials")["status"], "fail");
  EXPECT_NE(check(report, "credentials")["fix"].get<std::string>().find("ANTHROPIC_API_KEY"),
            std::string::npos);
  EXPECT_EQ(check(report, "plan")["status"], "fail");
  EXPECT_NE(check(report, "plan")["what"].get<std::string>().find("prd.json:1:"), std::string::npos)
      << check(report, "plan");
  EXPECT_EQ(check(report, "branch")["status"], "warn");
  EXPECT_EQ(check(report, "work tree")["status"], "warn");

  // The plan mended, the agent's version is not the tested one, and a hook cannot run.
  h.write_plan(1);
  h.write("plans/ralph.json", R"({"agent": "./agent.sh", "model": "claude-mystery-9",
                                 "hooks": {"on_halt": ["hooks/missing.sh"]}})");
  run = h.ralph({"doctor"});
  EXPECT_EQ(run.exit_code, 1) << run.out;
  EXPECT_NE(run.out.find("warn  agent: "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("is Claude Code 9.9.9; ralph is tested with 2.1."), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("fail  hooks: plans/ralph.json:2:"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("warn  price of claude-mystery-9: unknown (priced as the dearest model) "
                         "(give it a \"pricing\" entry in plans/ralph.json"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("doctor: "), std::string::npos);
}

}  // namespace
}  // namespace ralph::integration
