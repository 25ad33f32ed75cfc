// Sums over records: the totals of `ralph costs` (README "Files ralph writes").
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "meter/record.hpp"

namespace ralph::meter {

struct Totals {
  Usage usage;
  double cost_usd = 0;
  int iterations = 0;

  void add(const Usage& more, double more_usd) {
    usage += more;
    cost_usd += more_usd;
    ++iterations;
  }
};

Totals sum(const std::vector<IterationRecord>& records);
nlohmann::json to_json(const Totals& totals);

}  // namespace ralph::meter
