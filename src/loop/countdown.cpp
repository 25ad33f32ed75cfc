#include "loop/countdown.hpp"

#include <time.h>

namespace ralph::loop {

bool wait_with_countdown(std::chrono::milliseconds duration, const std::string& why,
                         Display& display, const std::function<int()>& interrupts) {
  using std::chrono::steady_clock;
  const auto deadline = steady_clock::now() + duration;
  for (;;) {
    if (interrupts && interrupts() > 0) return false;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return true;
    display.waiting(why, std::chrono::ceil<std::chrono::seconds>(left));
    // A signal ends nanosleep early (the handlers are installed without SA_RESTART).
    auto step = std::min(left, std::chrono::milliseconds(1000));
    timespec ts{static_cast<time_t>(step.count() / 1000),
                static_cast<long>((step.count() % 1000) * 1'000'000)};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace ralph::loop
