// JSON tokens read 8 bytes at a time where the form allows, for the fast scan of cost log
// lines (record_scan.cpp). Every read checks the line's end; reads run at most 32 bytes past
// it (kScanReadAhead), which the caller keeps readable.
#pragma once

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "meter/record_scan.hpp"
#include "util/utf8.hpp"

namespace ralph::meter::json_scan {

static_assert(std::endian::native == std::endian::little,
              "the scan reads 8 bytes at a time, the first in the lowest");

inline uint64_t load8(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// Bytes of the word that end a plain run of string text: '"', '\\', control characters,
// DEL and everything from 0x80 on. The lowest set bit is exact (borrows only run upwards).
inline uint64_t special_bytes(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101;
  constexpr uint64_t kHighs = 0x8080808080808080;
  auto zero_bytes = [](uint64_t v) { return (v - kOnes) & ~v & kHighs; };
  return zero_bytes(w ^ (kOnes * '"')) | zero_bytes(w ^ (kOnes * '\\')) |
         zero_bytes(w ^ (kOnes * 0x7f)) | ((w - kOnes * 0x20) & ~w & kHighs) | (w & kHighs);
}

inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

inline constexpr uint64_t kPowersOfTen[] = {1,       10,        100,        1000,       10'000,
                                            100'000, 1'000'000, 10'000'000, 100'000'000};

// How many of the word's bytes, from its first (lowest), are ASCII digits. A carry out of a
// byte that is no digit only reaches the bytes after it.
inline int leading_digits(uint64_t word) {
  constexpr uint64_t kHigh = 0xF0F0F0F0F0F0F0F0;
  constexpr uint64_t kThrees = 0x3030303030303030;
  uint64_t other = ((word & kHigh) ^ kThrees) | (((word + 0x0606060606060606) & kHigh) ^ kThrees);
  // The high bit of each byte of `other` that is not zero: a byte that is no digit.
  uint64_t not_digit =
      (((other & 0x7F7F7F7F7F7F7F7F) + 0x7F7F7F7F7F7F7F7F) | other) & 0x8080808080808080;
  return not_digit == 0 ? 8 : std::countr_zero(not_digit) / 8;
}

// The value of the word's first `n` bytes, digits, as a decimal number: 8 digits at once
// (the digits moved to the top, so the bytes below read as leading zeros).
inline uint64_t digits_value(uint64_t word, int n) {
  if (n == 0) return 0;
  uint64_t x = (word - 0x3030303030303030) << (8 * (8 - n));
  x = (x * 10) + (x >> 8);
  return (((x & 0x000000FF000000FF) * (100 + (1000000ULL << 32))) +
          (((x >> 16) & 0x000000FF000000FF) * (1 + (10000ULL << 32)))) >>
         32;
}

// A cursor over one line. `written` stays true while every number read is as it was written
// (none clamped).
class TokenScanner {
 public:
  explicit TokenScanner(std::string_view line)
      : p_(line.data()), end_(line.data() + line.size()), begin_(line.data()) {}

  // The literal `text` next (a key with its punctuation): compared 8 bytes at a time, the
  // last word overlapping the one before it.
  template <size_t N>
  [[gnu::always_inline]] bool lit(const char (&text)[N]) {
    constexpr size_t n = N - 1;
    static_assert(n >= 8 && n <= kScanReadAhead);
    if (static_cast<size_t>(end_ - p_) < n) return false;
    uint64_t diff = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) diff |= load8(p_ + i) ^ load8(text + i);
    if constexpr (n % 8 != 0) diff |= load8(p_ + n - 8) ^ load8(text + n - 8);
    if (diff != 0) return false;
    p_ += n;
    return true;
  }

  bool take(char c) {
    if (p_ >= end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool string(std::string_view& text) {
    if (!take('"')) return false;
    const char* start = p_;
    for (;;) {
      uint64_t special = 0;
      while (p_ < end_ && (special = special_bytes(load8(p_))) == 0) p_ += 8;
      if (p_ >= end_) return false;  // cut inside the string
      p_ += std::countr_zero(special) / 8;
      if (p_ >= end_) return false;
      if (*p_ == '"') break;
      if (static_cast<unsigned char>(*p_) < 0x80) return false;  // an escape, a control byte
      size_t n = utf8_sequence(std::string_view(p_, static_cast<size_t>(end_ - p_)));
      if (n == 0) return false;
      p_ += n;
    }
    text = std::string_view(start, static_cast<size_t>(p_ - start));
    ++p_;
    return true;
  }

  bool null() {
    if (static_cast<size_t>(end_ - p_) < 4 || std::memcmp(p_, "null", 4) != 0) return false;
    p_ += 4;
    return true;
  }

  bool boolean(bool& value) {
    if (static_cast<size_t>(end_ - p_) >= 4 && std::memcmp(p_, "true", 4) == 0) {
      p_ += 4;
      value = true;
      return true;
    }
    if (static_cast<size_t>(end_ - p_) >= 5 && std::memcmp(p_, "false", 5) == 0) {
      p_ += 5;
      value = false;
      return true;
    }
    return false;
  }

  // An integer in int64's range, clamped to [lo, hi] as the DOM reader clamps it.
  bool integer(int64_t lo, int64_t hi, int64_t& value) {
    const char* s = p_;
    const bool negative = s < end_ && *s == '-';
    s += negative;
    if (s >= end_ || !is_digit(*s)) return false;
    uint64_t magnitude = 0;
    if (*s == '0') {
      if (negative) return false;  // -0: the DOM reader's
      ++s;
    } else {
      for (int count = 0;;) {  // 8 digits at a time
        const uint64_t word = load8(s);
        const int n = leading_digits(word);
        if (count + n > 19) return false;  // past int64: the DOM reader's
        magnitude = magnitude * kPowersOfTen[n] + digits_value(word, n);
        count += n;
        s += n;
        if (n < 8) break;
      }
      if (s > end_) return false;
    }
    if (s < end_ && (*s == '.' || *s == 'e' || *s == 'E')) return false;
    if (magnitude > static_cast<uint64_t>(INT64_MAX)) return false;
    int64_t n = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
    value = std::clamp(n, lo, hi);
    written_ &= value == n;
    p_ = s;
    return true;
  }

  template <class T>
  bool integer(int64_t lo, int64_t hi, T& value) {
    int64_t n = 0;
    if (!integer(lo, hi, n)) return false;
    value = static_cast<T>(n);
    return true;
  }

  // A number as a double, as the DOM reader reads it (correctly rounded); `text` is its text.
  bool number(double& value, std::string_view& text, bool convert = true) {
    const char* s = p_;
    const bool negative = s < end_ && *s == '-';
    s += negative;
    if (s >= end_ || !is_digit(*s)) return false;
    uint64_t digits = 0;  // all of them, as one integer, while there are at most 15
    int count = 0;
    int fraction = 0;
    auto digit = [&] {
      digits = digits * 10 + static_cast<uint64_t>(*s++ - '0');
      ++count;
    };
    if (*s == '0') {
      digit();
    } else {
      while (s < end_ && is_digit(*s) && count < 19) digit();
    }
    const int integer_digits = count;
    int exponent_digits = 0;
    const bool more = s < end_ && is_digit(*s);
    bool integral = true;
    if (s < end_ && *s == '.') {
      integral = false;
      if (++s >= end_ || !is_digit(*s)) return false;
      while (s < end_ && is_digit(*s) && count < 19) {
        digit();
        ++fraction;
      }
    }
    bool exact = !more && count <= 15 && !(s < end_ && is_digit(*s));
    while (s < end_ && is_digit(*s)) ++s;
    if (s < end_ && (*s == 'e' || *s == 'E')) {
      integral = false;
      exact = false;
      ++s;
      s += s < end_ && (*s == '+' || *s == '-');
      if (s >= end_ || !is_digit(*s)) return false;
      for (const char* first = s; s < end_ && is_digit(*s); ++s) {
        exponent_digits = static_cast<int>(s - first) + 1;
      }
    }
    text = std::string_view(p_, static_cast<size_t>(s - p_));
    // Integers past int64 and "-0" are the DOM reader's (it types them apart).
    if (text.size() > 40 || (integral && (more || integer_digits > 18 || text == "-0"))) {
      return false;
    }
    if (!convert) {  // only its text is wanted; an exponent of two digits cannot overflow
      if (exponent_digits > 2) return false;
    } else if (exact) {
      // Clinger's fast path: digits below 10^15 and a power of ten up to 10^15 are exact
      // doubles, and IEEE division rounds their quotient correctly.
      static constexpr double kPowers[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
      value = static_cast<double>(digits) / kPowers[fraction];
      if (negative) value = -value;
    } else {
      auto [ptr, ec] = std::from_chars(p_, s, value);
      if (ec != std::errc() || ptr != s || !std::isfinite(value)) return false;
    }
    p_ = s;
    return true;
  }

 protected:
  const char* p_;
  const char* end_;
  const char* begin_;
  bool written_ = true;  // so far in the form append_record_json writes
};

}  // namespace ralph::meter::json_scan
