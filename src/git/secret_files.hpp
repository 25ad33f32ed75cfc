// Files that look like secrets, which ralph does not commit unless plans/ralph.json allows
// them (`allow_secret_files`, a list of glob patterns).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ralph::git {

// Whether a file looks like it holds a secret, judged by its base name (the part after the
// last '/' of the repo-relative path), ignoring case:
//   .env, .env.* and *.env        (.env.local, .env.production, dev.env), except when the last
//                                 extension is .example, .sample, .template or .dist
//                                 (.env.example, .env.production.sample), which are
//                                 committed as templates
//   *.pem *.key *.p12 *.pfx *.keystore *.jks        private keys and key stores
//   id_rsa id_dsa id_ecdsa id_ed25519               SSH private keys, also with a suffix
//                                 after '_', '-' or '.' (id_ed25519_sk, id_rsa_work,
//                                 id_rsa.bak), but never ending in .pub (id_rsa.pub is public)
//   .npmrc .pypirc .netrc .git-credentials         files where tools keep tokens
//   credentials.json, service-account*.json, service_account*.json
//   *.tfvars *.tfvars.json                          Terraform variables
//   secrets.json secrets.yaml secrets.yml secrets.toml
bool looks_like_secret_file(std::string_view repo_relative_path);

// Decides which changed files ralph refuses to commit.
class SecretFilePolicy {
 public:
  // `allowed_globs` are fnmatch(3) patterns (case-sensitive; '*' also matches a leading '.').
  //  - A pattern without '/' is matched against the base name, so ".env.local" or "*.pem"
  //    allows such a file in any folder.
  //  - A pattern with a '/' anywhere is matched against the whole repo-relative path with
  //    FNM_PATHNAME ('*' and '?' never match '/'), so "config/dev.env" allows only that file.
  //    A leading "/" or "./" only anchors it ("/.env" is the root's .env alone); a "**"
  //    component matches any number of folders ("tests/fixtures/**", "**/testdata/*.pem");
  //    a trailing '/' means everything in that folder ("certs/" is "certs/**").
  explicit SecretFilePolicy(std::vector<std::string> allowed_globs = {});

  // Whether `repo_relative_path` ('/'-separated) looks like a secret and no pattern allows it.
  bool blocks(std::string_view repo_relative_path) const;
  // Whether some pattern allows `repo_relative_path`.
  bool allows(std::string_view repo_relative_path) const;

 private:
  std::vector<std::string> allowed_globs_;
};

}  // namespace ralph::git
