#pragma once
// The raw write of a slot, for tests that damage or stage slots on purpose
// (and benchmarks that fill a table). The library never includes this:
// it changes jobs through JobLifecycle (scripts/check_layers.py holds it).

#include <functional>

#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_access.hpp"  // set_outcome

namespace jobctl::detail {

struct SlotPatch {
    // JobTable::update: applies `change` under the lock; false if the job does not exist.
    static bool update(JobTable& table, JobId id, const std::function<bool(JobSlot&)>& change,
                       JobTable::Change kind = JobTable::Change::ordinary) {
        return table.update(id, change, kind);
    }
};

}  // namespace jobctl::detail
