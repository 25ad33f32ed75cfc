// Test helper: the start tags of an HTML or SVG text with their attributes, for checking the
// numbers `ralph report --html` writes into data-* attributes. Enough for well-formed pages
// whose attribute values are quoted with " (what ralph and Chromium's DOM dump write).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ralph::testing {

using Attributes = std::map<std::string, std::string>;

inline std::string unescape_html(std::string_view text) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  std::string out;
  for (size_t at = 0; at < text.size();) {
    bool replaced = false;
    for (const auto& [entity, c] : kEntities) {
      if (text.substr(at, entity.size()) == entity) {
        out += c;
        at += entity.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[at++];
  }
  return out;
}

// Every start tag `<tag ...>` in `html` whose class attribute is `css_class` (any when empty).
inline std::vector<Attributes> elements(std::string_view html, std::string_view tag,
                                        std::string_view css_class = "") {
  std::vector<Attributes> found;
  std::string open = "<" + std::string(tag);
  for (size_t at = html.find(open); at != std::string_view::npos; at = html.find(open, at + 1)) {
    size_t after = at + open.size();
    if (after >= html.size() || (html[after] != ' ' && html[after] != '>' && html[after] != '/')) {
      continue;
    }
    size_t end = html.find('>', after);
    if (end == std::string_view::npos) break;
    std::string_view inside = html.substr(after, end - after);
    Attributes attributes;
    for (size_t i = 0; i < inside.size();) {
      size_t eq = inside.find("=\"", i);
      if (eq == std::string_view::npos) break;
      size_t name_start = inside.rfind(' ', eq);
      name_start = name_start == std::string_view::npos ? 0 : name_start + 1;
      size_t close = inside.find('"', eq + 2);
      if (close == std::string_view::npos) break;
      attributes[std::string(inside.substr(name_start, eq - name_start))] =
          unescape_html(inside.substr(eq + 2, close - eq - 2));
      i = close + 1;
    }
    auto cls = attributes.find("class");
    if (css_class.empty() || (cls != attributes.end() && cls->second == css_class)) {
      found.push_back(std::move(attributes));
    }
  }
  return found;
}

// The text of the element `<svg id="id" ...>...</svg>`, or "" when there is none.
inline std::string_view svg_by_id(std::string_view html, std::string_view id) {
  size_t at = html.find("<svg id=\"" + std::string(id) + "\"");
  if (at == std::string_view::npos) return {};
  size_t end = html.find("</svg>", at);
  return end == std::string_view::npos ? std::string_view{} : html.substr(at, end + 6 - at);
}

}  // namespace ralph::testing
