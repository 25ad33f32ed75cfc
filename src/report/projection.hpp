// What finishing the plan will likely cost, from what each completed item cost so far.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "meter/record_view.hpp"
#include "plan/prd.hpp"

namespace ralph::report {

struct Projection {
  int remaining_items = 0;
  int completed_items = 0;    // completed items of the plan seen in the log: the basis
  double basis_cost_usd = 0;  // everything spent on the plan's items, failures included
  // None until an item has been completed (nothing to project from), and none needed when
  // no item remains (all zero then).
  std::optional<double> expected_usd;  // remaining × cost per completed item
  std::optional<double> low_usd;       // remaining × the cheapest item's cost
  std::optional<double> high_usd;      // remaining × the dearest item's cost
  // The same for time: the iterations' durations given to each item, in hours.
  double basis_hours = 0;
  std::optional<double> expected_hours;
  std::optional<double> low_hours;   // remaining × the fastest item's time
  std::optional<double> high_hours;  // remaining × the slowest item's time
};

nlohmann::json to_json(const Projection& projection);
// "$1.20 to finish 3 items ($0.80-$2.10)", or why there is no projection.
std::string projection_text(const Projection& projection);

// Built from the log one record at a time; projected for the plan as it is now, from the
// records of the plan's items: an item's cost is the sum of the iterations given that item,
// failed and rejected ones included; an item counts as completed when an iteration (not a
// rejected one) completed it.
class ProjectionBuilder {
 public:
  ProjectionBuilder() = default;
  ProjectionBuilder(const ProjectionBuilder& other) : items_(other.items_) {}
  ProjectionBuilder& operator=(const ProjectionBuilder& other) {
    items_ = other.items_;
    last_ = nullptr;
    return *this;
  }
  void add(const meter::RecordView& record);
  // `plan_items`: every id in prd.json; `remaining`: how many of them do not pass yet.
  Projection projection(const std::set<std::string>& plan_items, int remaining) const;
  // For the plan as prd.json has it now.
  Projection projection(const plan::Plan& plan) const;

 private:
  struct ItemSums {
    double cost_usd = 0;
    double hours = 0;
    bool completed = false;
  };
  std::map<std::string, ItemSums, std::less<>> items_;
  // The item of the last record: a log's records come item after item.
  std::pair<const std::string, ItemSums>* last_ = nullptr;
  ItemSums& item(std::string_view id);
};

}  // namespace ralph::report
