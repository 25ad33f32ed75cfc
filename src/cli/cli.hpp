// The command line: `ralph COMMAND ...` (SPEC §2).
#pragma once

namespace ralph::cli {

int main(int argc, char** argv);

}  // namespace ralph::cli
