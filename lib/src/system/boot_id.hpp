#pragma once
// Which boot this is: a repository's table records the boot it belongs to,
// and the first open after a reboot recovers it.

#include <string>

namespace jobctl::detail {

// /proc/sys/kernel/random/boot_id (a UUID, new at every boot). The one seam
// for tests: JOBCTL_BOOT_ID, when set, is used instead, so that a test can
// play "the next boot" without rebooting. Errors: system (it cannot be
// read, as when this process has no descriptor left, or is empty).
std::string current_boot_id();

}  // namespace jobctl::detail
