#pragma once
// How a job's command's processes are held, as its slot records it (get
// --json's "containment"; see system/job_cgroup.hpp and docs/reliability.md).

#include <cstdint>

namespace jobctl::detail {

// 0 is what a slot written before the field existed holds: the runner's
// default then, session.
enum class Containment : std::uint8_t { unrecorded = 0, session = 1, cgroup = 2 };

}  // namespace jobctl::detail
