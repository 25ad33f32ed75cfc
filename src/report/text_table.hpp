// An aligned text table for people (`ralph costs`, its insights): built row by row, printed
// with each column as wide as its widest cell, two spaces between columns.
#pragma once

#include <string>
#include <vector>

namespace ralph::report {

class TextTable {
 public:
  // `right`: which columns align right (numbers); `indent`: spaces before each line.
  explicit TextTable(std::vector<bool> right, int indent = 0)
      : right_(std::move(right)), indent_(indent) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string text() const;

 private:
  std::vector<bool> right_;
  int indent_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ralph::report
