#include "git/secret_files.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace ralph::git {
namespace {

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

template <size_t N>
bool is_one_of(std::string_view text, const std::string_view (&names)[N]) {
  return std::find(std::begin(names), std::end(names), text) != std::end(names);
}

bool is_env_file(std::string_view name) {
  if (name != ".env" && !name.starts_with(".env.") && !name.ends_with(".env")) return false;
  static constexpr std::string_view kTemplates[] = {"example", "sample", "template", "dist"};
  return !is_one_of(name.substr(name.rfind('.') + 1), kTemplates);
}

bool is_ssh_private_key(std::string_view name) {
  static constexpr std::string_view kKeys[] = {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"};
  if (name.ends_with(".pub")) return false;
  return std::any_of(std::begin(kKeys), std::end(kKeys), [&](std::string_view key) {
    return name.starts_with(key) &&
           (name.size() == key.size() ||
            std::string_view("_-.").find(name[key.size()]) != std::string_view::npos);
  });
}

bool fnmatches(const std::string& pattern, std::string_view text, int flags) {
  return ::fnmatch(pattern.c_str(), std::string(text).c_str(), flags) == 0;
}

// Offsets just past each '/' in `path`, and 0: where a folder or file name starts.
std::vector<size_t> name_starts(std::string_view path) {
  std::vector<size_t> starts{0};
  for (size_t at = path.find('/'); at != std::string_view::npos; at = path.find('/', at + 1)) {
    starts.push_back(at + 1);
  }
  return starts;
}

// fnmatch with FNM_PATHNAME, where a "**" component matches any number of folders.
bool path_matches(std::string_view pattern, std::string_view path) {
  size_t star = pattern.find("**");
  while (star != std::string_view::npos &&
         !((star == 0 || pattern[star - 1] == '/') &&
           (star + 2 == pattern.size() || pattern[star + 2] == '/'))) {
    star = pattern.find("**", star + 1);
  }
  if (star == std::string_view::npos) return fnmatches(std::string(pattern), path, FNM_PATHNAME);

  // pattern = head "**" ["/" tail]; head is "" or ends with '/'.
  std::string head(pattern.substr(0, star == 0 ? 0 : star - 1));
  bool to_end = star + 2 == pattern.size();
  std::string_view tail = to_end ? "" : pattern.substr(star + 3);
  for (size_t start : name_starts(path)) {
    if (star == 0 ? start != 0 : start == 0) continue;
    if (star != 0 && !fnmatches(head, path.substr(0, start - 1), FNM_PATHNAME)) continue;
    std::string_view rest = path.substr(start);
    if (to_end) {
      if (!rest.empty()) return true;
      continue;
    }
    for (size_t skip : name_starts(rest)) {
      if (path_matches(tail, rest.substr(skip))) return true;
    }
  }
  return false;
}

}  // namespace

bool looks_like_secret_file(std::string_view repo_relative_path) {
  std::string name = lower(base_name(repo_relative_path));
  if (name.empty()) return false;
  if (is_env_file(name) || is_ssh_private_key(name)) return true;

  static constexpr std::string_view kExtensions[] = {
      ".pem", ".key", ".p12", ".pfx", ".keystore", ".jks", ".tfvars", ".tfvars.json"};
  for (std::string_view extension : kExtensions) {
    if (name.ends_with(extension)) return true;
  }
  static constexpr std::string_view kNames[] = {
      ".npmrc",       ".pypirc",      ".netrc",      ".git-credentials", "credentials.json",
      "secrets.json", "secrets.yaml", "secrets.yml", "secrets.toml"};
  if (is_one_of(name, kNames)) return true;
  return (name.starts_with("service-account") || name.starts_with("service_account")) &&
         name.ends_with(".json");
}

SecretFilePolicy::SecretFilePolicy(std::vector<std::string> allowed_globs)
    : allowed_globs_(std::move(allowed_globs)) {}

bool SecretFilePolicy::allows(std::string_view repo_relative_path) const {
  std::string_view name = base_name(repo_relative_path);
  for (const std::string& glob : allowed_globs_) {
    std::string_view pattern = glob;
    if (pattern.find('/') == std::string_view::npos) {
      if (!pattern.empty() && fnmatches(glob, name, 0)) return true;
      continue;
    }
    while (pattern.starts_with("./")) pattern.remove_prefix(2);
    while (pattern.starts_with('/')) pattern.remove_prefix(1);
    std::string anchored(pattern);
    if (anchored.ends_with('/')) anchored += "**";  // a folder: everything in it
    if (path_matches(anchored, repo_relative_path)) return true;
  }
  return false;
}

bool SecretFilePolicy::blocks(std::string_view repo_relative_path) const {
  return looks_like_secret_file(repo_relative_path) && !allows(repo_relative_path);
}

}  // namespace ralph::git
