// `ralph doctor [--json]`: checks a setup; exits 0 when nothing fails.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/doctor.hpp"

namespace ralph::cli {

int run_doctor(const DoctorArgs& args) {
  auto checks = run_checks(args.plan_dir);
  if (args.json) {
    fmt::print("{}\n", checks_json(checks).dump());
  } else {
    fmt::print("{}", checks_text(checks));
  }
  return any_failed(checks) ? 1 : 0;
}

}  // namespace ralph::cli
