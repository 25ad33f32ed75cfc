#include "meter/totals.hpp"

namespace ralph::meter {

Totals sum(const std::vector<IterationRecord>& records) {
  Totals totals;
  for (const auto& record : records) totals.add(record.usage, record.cost_usd);
  return totals;
}

nlohmann::json to_json(const Totals& totals) {
  nlohmann::json out = nlohmann::json::object();
  write_usage(totals.usage, out);
  out["cost_usd"] = totals.cost_usd;
  out["iterations"] = totals.iterations;
  return out;
}

}  // namespace ralph::meter
