#pragma once
// What a Slurm job's record means in jobctl's model: its state, the reason
// shown beside it ("slurm: PENDING (Priority)"), its exit code or signal,
// and whether Slurm is done with it.
//
// Slurm state          jobctl     terminal  reason
// PENDING              Blocked    no        "slurm: PENDING (Priority)"
// CONFIGURING          Blocked    no        its nodes are being readied (booted, powered up)
// POWER_UP_NODE        Blocked    no
// REQUEUED, REQUEUE_FED, REQUEUE_HOLD, SPECIAL_EXIT, RESV_DEL_HOLD
//                      Blocked    no        put back in the queue: it runs again (once released)
// RUNNING              Running    no        "slurm: RUNNING on vm"
// COMPLETING           Running    no        its processes are ending; the outcome is not known yet
// SIGNALING, STAGE_OUT, RESIZING
//                      Running    no        still holds its allocation
// SUSPENDED, STOPPED   Suspended  no
// COMPLETED            Completed  yes       empty (exit code 0)
// CANCELLED            Stopped    yes       "slurm: CANCELLED" (scancel, by anyone)
// FAILED               Failed     yes       "slurm: FAILED, exited with code 3", "..., killed by signal 9"
// TIMEOUT              Failed     yes       "slurm: TIMEOUT, over its time limit"
// OUT_OF_MEMORY, NODE_FAIL, BOOT_FAIL, DEADLINE, PREEMPTED
//                      Failed     yes       what happened, with the exit code or signal if any
// REVOKED              Failed     yes       a federation runs it on another cluster: not followed
// anything else        Blocked    no        "slurm: STATE (Reason)": kept waiting, never ended on a guess

#include <optional>
#include <string>

#include "jobctl/job.hpp"
#include "slurm/slurm_job_record.hpp"

namespace jobctl::detail {

struct SlurmStatus {
    JobState state = JobState::blocked;
    std::string reason;
    std::optional<int> exit_code;    // when the job's script exited (code != 0, or COMPLETED)
    std::optional<int> term_signal;  // when a signal ended it (ExitCode=0:N)
    bool terminal = false;           // Slurm is done with it: this is the outcome
};

SlurmStatus map_slurm_state(const SlurmJobRecord& record);

}  // namespace jobctl::detail
