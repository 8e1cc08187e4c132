#pragma once
// Which sanitizer a test binary was built with. Stress tests run a smaller
// count under sanitizers: TSan runs the thread-job stress test about fifty
// times slower than a plain build, and a race shows in 500 jobs as in 3000.

namespace jobctl::test {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderThreadSanitizer = true;
#else
inline constexpr bool kUnderThreadSanitizer = false;
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif

// `full` in a plain build, less under a sanitizer.
constexpr int stress_count(int full) {
    if (kUnderThreadSanitizer) return full / 6;
    if (kUnderSanitizer) return full / 3;
    return full;
}

}  // namespace jobctl::test
