#pragma once
// Test-only hook: lets a test kill a process at an exact point inside the
// repository's critical section, to prove that the next locker recovers.
// Production code never installs a hook; the check is one load of a pointer.
// Private to the library and its tests (not installed).

namespace jobctl::testing {

enum class CrashPoint {
    lock_acquired,      // the repository lock is held, nothing written yet
    slot_half_written,  // the journal is armed and a slot is partly overwritten
    child_written,      // a registration of several jobs has written one more child (not yet the parent)
};

using CrashHook = void (*)(CrashPoint);

void set_crash_hook(CrashHook hook);

}  // namespace jobctl::testing

namespace jobctl::detail {
void reach_crash_point(testing::CrashPoint point);
}
