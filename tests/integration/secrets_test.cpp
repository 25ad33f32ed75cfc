// Secrets from the environment never reach the files ralph writes or the commits it makes.
#include <gtest/gtest.h>

#include <filesystem>

#include "harness.hpp"

namespace ralph::integration {
namespace {

TEST(SecretsTest, KeysAreRedactedAndSecretFilesAreNotCommitted) {
  Harness h("leaks_secrets");
  h.add_plan(1);
  CommandResult run = h.ralph({"run", "--model", "claude-sonnet-5-5"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const std::string key = "sk-test-key";      // the harness's ANTHROPIC_API_KEY
  EXPECT_EQ(h.read("leak.txt"), key + "\n");  // the agent really had it

  std::string run_id = h.records().at(0)["run_id"];
  std::string stream = h.read(".ralph/runs/" + run_id + "/1.stream.jsonl");
  EXPECT_NE(stream.find("key is [REDACTED]"), std::string::npos);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(h.repo() / ".ralph")) {
    if (!entry.is_regular_file()) continue;
    std::string relative = entry.path().lexically_relative(h.repo()).string();
    EXPECT_EQ(h.read(relative).find(key), std::string::npos) << relative;
  }
  EXPECT_EQ(run.out.find(key), std::string::npos);

  // Committed: the work. Held back, with a warning naming them: the .env file and the file
  // that holds the key.
  EXPECT_EQ(h.git({"show", "--name-only", "--format=", "HEAD"}).out, "fine.txt\nplans/prd.json\n");
  EXPECT_EQ(h.git({"log", "-p", "--all"}).out.find(key), std::string::npos);
  EXPECT_NE(run.out.find("not committed, they look like secrets: .env, leak.txt"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(h.git({"status", "--porcelain"}).out, "?? .env\n?? leak.txt\n");
}

}  // namespace
}  // namespace ralph::integration
