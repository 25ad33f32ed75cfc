// Reading a growing file's complete lines from an offset, in blocks: for the cost log and the
// agent's stream files, which can be large and are read again as they grow.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include "util/result.hpp"

namespace ralph {

struct LinesRead {
  uint64_t end_offset = 0;    // the end of the last complete line: where to read on next time
  bool partial_tail = false;  // an unfinished last line (not blank) follows end_offset
};

// The work of reading a file's lines a block at a time: `parse` a block's complete lines
// (each then its newline; `padding` readable bytes after the last), on one of two threads for
// a large file (`worker` 0 is the caller's, 1 the second), then `visit` the block, on the
// caller's thread, in file order. A slot holds one block from its parse to its visit.
inline constexpr int kBlockSlots = 4;
class BlockWork {
 public:
  virtual ~BlockWork() = default;
  virtual void parse(int slot, int worker, std::string_view lines) = 0;
  virtual void visit(int slot) = 0;
};

// Reads the complete lines from byte `offset` on, block after block, through `work`. A
// missing file has no lines. The file is never held whole in memory.
Result<LinesRead> read_blocks_from(const std::filesystem::path& path, uint64_t offset,
                                   size_t padding, BlockWork& work);

// Calls `visit` with each complete line (without its newline) from byte `offset` on, in
// order; at least `padding` bytes after each line may be read (a parser's read-ahead). A
// missing file has no lines. The file is never held whole in memory.
Result<LinesRead> read_lines_from(const std::filesystem::path& path, uint64_t offset,
                                  size_t padding,
                                  const std::function<void(std::string_view line)>& visit);

}  // namespace ralph
