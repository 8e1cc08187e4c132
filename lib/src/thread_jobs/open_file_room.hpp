#pragma once
// A foreach host's room under its own open-file limit (RLIMIT_NOFILE) for
// the commands it runs at once. The CLI checks -j before the run starts;
// this is the host's own look when the limit is raised while it runs
// (set_throttle_limit), from a process that may not see the host (another
// pid namespace) and so could not check for it.

namespace jobctl::detail {

// How many of `commands` at once fit: the soft limit raised as far as they
// need, when the hard limit allows; else as many as the hard limit holds
// (at least 1). jobctl/foreach_job.hpp has the files each holds.
unsigned commands_that_fit(unsigned commands);

}  // namespace jobctl::detail
