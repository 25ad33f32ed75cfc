// A broken promise of the code under test, turned into a crash that libFuzzer reports (and
// saves the input of). Shared by the fuzz targets here.
#pragma once

#include <cstdio>
#include <cstdlib>

#define RALPH_FUZZ_CHECK(condition)                                                           \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
