#include "util/line_splitter.hpp"

namespace ralph {

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    if (!overflowed_) {
      size_t room = max_line_bytes_ - pending_.size();
      if (piece.size() > room) {
        pending_.append(piece.substr(0, room));
        overflowed_ = true;
      } else {
        pending_.append(piece);
      }
    }
    if (newline == std::string_view::npos) return;
    sink_(pending_, overflowed_);
    pending_.clear();
    overflowed_ = false;
    bytes.remove_prefix(newline + 1);
  }
}

void LineSplitter::finish() {
  if (!pending_.empty() || overflowed_) sink_(pending_, overflowed_);
  pending_.clear();
  overflowed_ = false;
}

}  // namespace ralph
