// The ralph executable: everything lives in the core library.
#include "cli/cli.hpp"

int main(int argc, char** argv) {
  return ralph::cli::main(argc, argv);
}
