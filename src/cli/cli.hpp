// The command line: `ralph COMMAND ...` (README "Usage").
#pragma once

namespace ralph::cli {

int main(int argc, char** argv);

}  // namespace ralph::cli
