#pragma once
// The follower: the one jobctl-worker that follows every Slurm job and array
// of a repository from submission to the end (jobctl-worker --follow-slurm,
// decision 63). Started by the first submission that finds none running,
// it exits once nothing is left to follow; a dead one is replaced.
//
// It asks slurmctld about all of its jobs in one call (squeue_query.hpp),
// first 1 s after a submission, then twice as long after each answer that
// changed nothing, up to 30 s: polite to a controller with thousands of
// jobs. Between calls it sleeps on the jobs' folders (inotify): the output
// files appearing mean a job runs, their growth is copied into the logs at
// once, the batch script's status file ends the job with that status (no
// call at all) unless a signal ended the command, and an output file closed
// without a status, or a signal's status, means it may have been ended from
// outside (scancel, the time limit), so it asks within 100 ms. Where
// inotify sees nothing (a network file system written on another node) the
// output is copied every second. A Slurm that no longer knows a job (purged
// after MinJobAge) is answered by the status file, then by sacct. Stop,
// suspend and resume requests wake it through the table and go to scancel
// and scontrol; new jobs wake it through its posts file (follower_registry.hpp).

#include "jobctl/repository.hpp"

namespace jobctl::detail {

// Follows the repository's Slurm jobs until none is left; returns the
// worker's exit status. Exits at once, with 0, if it is not the follower
// the registry names (its launcher died before recording it).
int follow_slurm_jobs(Repository& repository);

}  // namespace jobctl::detail
