#include "meter/record.hpp"

#include "meter/record_text.hpp"

namespace ralph::meter {

nlohmann::json to_json(const IterationRecord& record) {
  return nlohmann::json::parse(record_json(record));
}

std::optional<IterationRecord> record_from_json(const nlohmann::json& value) {
  if (!value.is_object()) return std::nullopt;
  RecordParser parser;
  return parser.parse(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace ralph::meter
