#include "git/commit_message.hpp"

#include <fmt/format.h>

namespace ralph::git {

std::string commit_message(const meter::IterationRecord& r, const std::string& title) {
  std::string subject = r.item_id ? fmt::format("ralph({}): {}", *r.item_id, title)
                                  : fmt::format("ralph: iteration {}", r.iteration);
  std::string message =
      fmt::format("{}\n\nIteration {} of run {}.\n\n", subject, r.iteration, r.run_id);
  message += fmt::format("Ralph-Run: {}\n", r.run_id);
  message += fmt::format("Ralph-Iteration: {}\n", r.iteration);
  message += fmt::format("Ralph-Cost-USD: {:.4f}\n", r.cost_usd);
  message += fmt::format("Ralph-Tokens: in={} out={} cache_write={} cache_read={}\n",
                         r.usage.input_tokens, r.usage.output_tokens,
                         r.usage.cache_creation_input_tokens, r.usage.cache_read_input_tokens);
  message += fmt::format("Ralph-Model: {}\n", r.model.empty() ? "unknown" : r.model);
  return message;
}

}  // namespace ralph::git
