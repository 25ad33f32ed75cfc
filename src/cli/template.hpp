// The plan template `ralph init` writes, compiled in from plans-template/.
#pragma once

#include <string_view>
#include <vector>

namespace ralph::cli {

struct TemplateFile {
  std::string_view name;
  std::string_view content;
};

const std::vector<TemplateFile>& plan_template();

}  // namespace ralph::cli
