// The fast reading of a cost log line (ARCHITECTURE.md, `src/meter/`): the
// JSON append_record_json writes, read in one pass over the line, straight into a view,
// without a DOM. It also reads the nearby forms (fields missing or in another order, as older
// versions wrote them); anything else it leaves to the DOM reader, which has the last word:
// whitespace between tokens, an escape in a string, a number beyond 18 digits, a value of an
// unexpected type, a key it does not know, a torn line.
#pragma once

#include <cstddef>
#include <string_view>

#include "meter/record_view.hpp"

namespace ralph::meter {

// How many bytes after the line the scan may read (it compares 8 bytes at a time).
inline constexpr size_t kScanReadAhead = 32;

// True when `line` is a record in a form the scan reads: `out` then holds it as the DOM
// reader would read it (`out.line` set when the line is in the written form). False when the
// DOM reader must decide (`out` unspecified). `kScanReadAhead` bytes after the line must be
// readable.
bool scan_record(std::string_view line, RecordView& out);

}  // namespace ralph::meter
