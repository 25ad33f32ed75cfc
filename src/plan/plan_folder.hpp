// Everything in the plan folder, loaded and checked together: prd.json, PROMPT.md and
// ralph.json. `ralph validate` and the start of `ralph run` share this.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "meter/pricing.hpp"
#include "plan/config.hpp"
#include "plan/prd.hpp"
#include "plan/problem.hpp"
#include "util/result.hpp"

namespace ralph::plan {

struct PlanFolder {
  std::filesystem::path dir;  // absolute
  std::string display_dir;    // as the user named it, for messages and the prompt
  std::filesystem::path prd_path() const { return dir / "prd.json"; }
  std::filesystem::path prompt_path() const { return dir / "PROMPT.md"; }
  std::filesystem::path config_path() const { return dir / "ralph.json"; }
  std::filesystem::path progress_path() const { return dir / "progress.txt"; }
  std::string display(const char* file) const { return display_dir + "/" + file; }
};

struct LoadedPlan {
  Plan plan;
  Config config;
  std::string prompt_template;
  meter::PricingTable pricing;
};

// Loads and checks the folder. Every problem is appended; the result is set only when
// there were none.
std::optional<LoadedPlan> load_plan_folder(const PlanFolder& folder, Problems& problems);

// Reads just prd.json again (the agent edits it during a run).
std::optional<Plan> reload_plan(const PlanFolder& folder, Problems& problems);

// Appends `note` to progress.txt, which the next iteration's agent reads.
Status append_progress_note(const PlanFolder& folder, std::string_view note);

}  // namespace ralph::plan
