#include "loop/commit_gate.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/json_text.hpp"

namespace ralph::loop {

using nlohmann::json;

namespace {

size_t offset_of(std::string_view text, TextPos pos) {
  size_t offset = 0;
  for (int line = 1; line < pos.line && offset < text.size(); ++line) {
    size_t newline = text.find('\n', offset);
    if (newline == std::string_view::npos) return text.size();
    offset = newline + 1;
  }
  return std::min(text.size(), offset + static_cast<size_t>(pos.column - 1));
}

// The offset of `literal` right after the member key at `key_at`, or npos.
size_t literal_after(std::string_view text, size_t key_at, std::string_view literal) {
  size_t colon = text.find(':', key_at);
  if (colon == std::string_view::npos) return colon;
  size_t at = colon + 1;
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
  return text.compare(at, literal.size(), literal) == 0 ? at : std::string_view::npos;
}

}  // namespace

Status set_items_passes(const plan::PlanFolder& folder, const std::vector<std::string>& ids,
                        bool passes) {
  if (ids.empty()) return ok_status();
  const std::string file = folder.display("prd.json");
  const std::string_view from = passes ? "false" : "true";
  const std::string_view to = passes ? "true" : "false";
  const char* what = passes ? "passing" : "back to failing";
  auto text = read_file(folder.prd_path());
  if (!text) return text.error();
  JsonSyntaxError syntax;
  auto doc = parse_json_text(*text, syntax);
  if (!doc || !doc->contains("userStories") || !(*doc)["userStories"].is_array()) {
    return make_error(fmt::format("cannot set items {}: {} is no longer valid", what, file));
  }
  JsonLocations locations(*text);
  std::vector<size_t> literals;
  const json& stories = (*doc)["userStories"];
  for (size_t i = 0; i < stories.size(); ++i) {
    const json& story = stories[i];
    if (!story.is_object() || !story.contains("id") || !story["id"].is_string() ||
        std::find(ids.begin(), ids.end(), story["id"].get<std::string>()) == ids.end() ||
        story.value("passes", json()) != json(!passes)) {
      continue;
    }
    size_t key_at = offset_of(*text, locations.at(fmt::format("/userStories/{}/passes", i)));
    size_t literal = literal_after(*text, key_at, from);
    if (literal == std::string::npos) {
      return make_error(
          fmt::format("cannot set {} {} in {}: its \"passes\" is not written as "
                      "`\"passes\": {}`",
                      story["id"].get<std::string>(), what, file, from));
    }
    literals.push_back(literal);
  }
  std::string edited = *text;
  std::sort(literals.rbegin(), literals.rend());  // from the end, so offsets stay valid
  for (size_t at : literals) edited.replace(at, from.size(), to);
  if (Status s = write_file_atomic(folder.prd_path(), edited); !s) return s;
  return ok_status();
}

Status note_rejection(const plan::PlanFolder& folder, int iteration, const std::string& hook,
                      const HookResult& result, const std::vector<std::string>& items) {
  std::string note = fmt::format(
      "\n## ralph: iteration {} was rejected by the pre_commit hook {}\n"
      "The hook {}. The iteration's changes were NOT committed: they are still in the work "
      "tree. Fix what the hook reports; ralph commits them with the next iteration that the "
      "hook accepts.\n",
      iteration, hook, result.describe());
  if (!items.empty()) {
    note += fmt::format("Set back to \"passes\": false: {}.\n", fmt::join(items, ", "));
  }
  if (!result.output.empty()) {
    note += "The hook's last output:\n";
    for (std::string_view rest = result.output; !rest.empty();) {
      size_t end = rest.find('\n');
      note += fmt::format("    {}\n", rest.substr(0, end));
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }
  return plan::append_progress_note(folder, note);
}

bool pass_commit_gate(Hooks& hooks, git::Vcs& vcs, const plan::PlanFolder& plan, Display& display,
                      meter::IterationRecord& record) {
  if (!hooks.has("pre_commit")) return true;
  auto changed = vcs.changed_files();
  if (changed && changed->empty()) return true;  // nothing to commit
  // Should the list fail, the hooks still decide: the gate is never skipped.
  auto rejection =
      hooks.gate(pre_commit_event(record, changed ? *changed : std::vector<std::string>()));
  if (!rejection) return true;
  record.outcome = "rejected";
  record.rejected_by = rejection->hook;
  record.rejected_items = std::move(record.items_completed);
  record.items_completed.clear();
  if (Status s = set_items_passes(plan, record.rejected_items, false); !s) {
    display.note("ralph: warning: " + s.message());
  }
  if (Status s = note_rejection(plan, record.iteration, rejection->hook, rejection->result,
                                record.rejected_items);
      !s) {
    display.note("ralph: warning: " + s.message());
  }
  std::string last = rejection->result.last_line();
  display.note(fmt::format(
      "ralph: iteration {} rejected: pre_commit hook {} {}{}{}; its changes stay uncommitted in "
      "the work tree{}",
      record.iteration, rejection->hook, rejection->result.describe(), last.empty() ? "" : ": ",
      last,
      record.rejected_items.empty()
          ? ""
          : fmt::format("; failing again: {}", fmt::join(record.rejected_items, ", "))));
  return false;
}

}  // namespace ralph::loop
