#pragma once
// The parts of suspending that the runners and the command share.

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::detail {

// Moves `parent` from Suspending to Suspended if every unfinished child of
// it is Suspended. Called by whoever may have made that true: a child's
// runner that saw its group stop, request_suspend, a foreach host when a
// child ends. Each calls it after its own change, so the last of them sees
// every child's.
void settle_parent_suspension(Repository& repository, JobId parent);

}  // namespace jobctl::detail
