#include "loop/budget.hpp"

#include <algorithm>
#include <array>

namespace ralph::loop {

namespace {
constexpr std::array<double, 3> kWarnings = {0.5, 0.8, 0.95};
}  // namespace

std::optional<double> Budget::remaining() const {
  if (!cap_) return std::nullopt;
  return std::max(0.0, *cap_ - spent_);
}

bool Budget::exceeded_by(double current_iteration_cost) const {
  return cap_ && spent_ + current_iteration_cost > *cap_;
}

bool Budget::can_start_iteration() const {
  if (!cap_) return true;
  double left = *cap_ - spent_;
  if (left <= 0) return false;
  return !cheapest_ || left >= *cheapest_;
}

void Budget::add_iteration(double cost) {
  spent_ += cost;
  if (cost > 0) cheapest_ = cheapest_ ? std::min(*cheapest_, cost) : cost;
}

std::vector<double> Budget::new_warnings(double spent_so_far) {
  std::vector<double> crossed;
  if (!cap_ || *cap_ <= 0) return crossed;
  while (warned_ < static_cast<int>(kWarnings.size()) &&
         spent_so_far >= kWarnings[warned_] * *cap_) {
    crossed.push_back(kWarnings[warned_++]);
  }
  return crossed;
}

}  // namespace ralph::loop
