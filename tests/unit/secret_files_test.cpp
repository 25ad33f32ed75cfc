// git/secret_files: which files look like secrets, and which of those the user allowed.
#include "git/secret_files.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ralph::git {
namespace {

TEST(SecretFilesTest, EnvFiles) {
  for (std::string_view path : {".env", ".env.local", ".env.production", ".env.development.local",
                                "dev.env", "config/production.env", ".ENV"}) {
    EXPECT_TRUE(looks_like_secret_file(path)) << path;
  }
  for (std::string_view path :
       {".env.example", ".env.sample", ".env.template", ".env.dist", ".env.production.example",
        "app/.env.Example", ".envrc", "environment.ts", "src/env.cpp", "env", ".environment"}) {
    EXPECT_FALSE(looks_like_secret_file(path)) << path;
  }
}

TEST(SecretFilesTest, KeysAndKeyStores) {
  for (std::string_view path : {"server.pem", "tls/server.key", "cert.p12", "cert.pfx",
                                "release.keystore", "android/app/upload.jks", "CERT.PEM"}) {
    EXPECT_TRUE(looks_like_secret_file(path)) << path;
  }
  for (std::string_view path : {"keys.py", "key.txt", "monkey.json", "pem.md", "src/key.cpp",
                                "docs/keystore.md", "p12.h"}) {
    EXPECT_FALSE(looks_like_secret_file(path)) << path;
  }
}

TEST(SecretFilesTest, SshPrivateKeysButNotPublicOnes) {
  for (std::string_view path : {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".ssh/id_rsa",
                                "id_ed25519_sk", "id_rsa_work", "id_rsa-deploy", "id_rsa.bak"}) {
    EXPECT_TRUE(looks_like_secret_file(path)) << path;
  }
  for (std::string_view path : {"id_rsa.pub", "id_dsa.pub", "id_ecdsa.pub", "id_ed25519.pub",
                                ".ssh/id_rsa_work.pub", "id_rsassa.txt", "my_id_rsa_notes"}) {
    EXPECT_FALSE(looks_like_secret_file(path)) << path;
  }
}

TEST(SecretFilesTest, ToolCredentialFiles) {
  for (std::string_view path :
       {".npmrc", ".pypirc", ".netrc", ".git-credentials", "credentials.json",
        "service-account.json", "gcp/service-account-prod.json", "service_account.json",
        "terraform.tfvars", "infra/prod.tfvars", "prod.tfvars.json", "secrets.json", "secrets.yaml",
        "secrets.yml", "secrets.toml", "deploy/secrets.yaml"}) {
    EXPECT_TRUE(looks_like_secret_file(path)) << path;
  }
  for (std::string_view path :
       {"npmrc.md", "credentials.yaml", "my-credentials.json", "service-account.md", "variables.tf",
        "secrets.md", "secret.json", "secrets.json.example", "README.md", "package.json",
        ".gitignore", ""}) {
    EXPECT_FALSE(looks_like_secret_file(path)) << path;
  }
}

TEST(SecretFilesTest, NestedPathsAreJudgedByBaseName) {
  EXPECT_TRUE(looks_like_secret_file("app/config/.env"));
  EXPECT_TRUE(looks_like_secret_file("a/b/c/d/id_ed25519"));
  EXPECT_FALSE(looks_like_secret_file(".env/bin/python"));  // a virtualenv called .env
  EXPECT_FALSE(looks_like_secret_file("certs.pem/readme.txt"));
  EXPECT_FALSE(looks_like_secret_file("config/"));
}

TEST(SecretFilesTest, PolicyBlocksSecretsOnly) {
  SecretFilePolicy policy;
  EXPECT_TRUE(policy.blocks(".env"));
  EXPECT_TRUE(policy.blocks("app/config/.env"));
  EXPECT_FALSE(policy.blocks("src/main.cpp"));
  EXPECT_FALSE(policy.blocks(".env.example"));
}

TEST(SecretFilesTest, PatternsWithoutSlashMatchTheBaseName) {
  SecretFilePolicy policy({".env.local", "*.pem"});
  EXPECT_FALSE(policy.blocks(".env.local"));
  EXPECT_FALSE(policy.blocks("app/config/.env.local"));
  EXPECT_FALSE(policy.blocks("server.pem"));
  EXPECT_FALSE(policy.blocks("tests/fixtures/ca.pem"));
  EXPECT_TRUE(policy.blocks(".env.production"));
  EXPECT_TRUE(policy.blocks("server.key"));
  EXPECT_TRUE(policy.blocks(".ENV.LOCAL"));  // patterns are case-sensitive
}

TEST(SecretFilesTest, PatternsWithSlashMatchTheWholePath) {
  SecretFilePolicy policy({"config/dev.env", "certs/*.pem"});
  EXPECT_FALSE(policy.blocks("config/dev.env"));
  EXPECT_TRUE(policy.blocks("dev.env"));
  EXPECT_TRUE(policy.blocks("other/config/dev.env"));
  EXPECT_FALSE(policy.blocks("certs/ca.pem"));
  EXPECT_TRUE(policy.blocks("certs/old/ca.pem"));  // FNM_PATHNAME: '*' stops at '/'
  EXPECT_TRUE(policy.blocks("ca.pem"));
}

TEST(SecretFilesTest, AnchoredFolderAndDoubleStarPatterns) {
  SecretFilePolicy root({"/.env", "./keys/deploy.key"});
  EXPECT_FALSE(root.blocks(".env"));
  EXPECT_TRUE(root.blocks("app/.env"));
  EXPECT_FALSE(root.blocks("keys/deploy.key"));

  SecretFilePolicy folder({"tests/fixtures/"});
  EXPECT_FALSE(folder.blocks("tests/fixtures/a.pem"));
  EXPECT_FALSE(folder.blocks("tests/fixtures/deep/er/id_rsa"));
  EXPECT_TRUE(folder.blocks("tests/a.pem"));

  SecretFilePolicy stars({"tests/**", "**/testdata/*.key", "docs/**/example.env"});
  EXPECT_FALSE(stars.blocks("tests/a.pem"));
  EXPECT_FALSE(stars.blocks("tests/x/y/.env"));
  EXPECT_FALSE(stars.allows("tests"));
  EXPECT_FALSE(stars.blocks("testdata/a.key"));
  EXPECT_FALSE(stars.blocks("pkg/sub/testdata/a.key"));
  EXPECT_TRUE(stars.blocks("pkg/testdata/deeper/a.key"));
  EXPECT_FALSE(stars.blocks("docs/example.env"));
  EXPECT_FALSE(stars.blocks("docs/a/b/example.env"));
  EXPECT_TRUE(stars.blocks("other/docs/example.env"));
}

TEST(SecretFilesTest, AllowsIsIndependentOfTheNameRules) {
  SecretFilePolicy policy({"*.md", ""});
  EXPECT_TRUE(policy.allows("docs/readme.md"));
  EXPECT_FALSE(policy.allows(".env"));
  EXPECT_FALSE(policy.blocks("docs/readme.md"));
}

}  // namespace
}  // namespace ralph::git
