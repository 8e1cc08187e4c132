#pragma once
// The follower: the jobctl-worker that follows one Slurm job, or one array
// and its tasks, from submission to the end (jobctl-worker --follow-slurm).
//
// It asks slurmctld with `scontrol show job -o ID` (one call answers for a
// whole array), first after 1 s, then twice as long after each answer that
// changed nothing, up to 30 s: polite to a controller with thousands of
// jobs. Between calls it sleeps on the job's folder (inotify): the output
// files appearing mean the job runs, their growth is copied into the logs
// at once, the batch script's status file ends the job with that status
// (no call at all) unless a signal ended the command, and an output file
// closed without a status, or a signal's status, means it may have been
// ended from outside (scancel, the time limit), so it asks within 100 ms. Where inotify sees nothing (a
// network file system written on another node) the output is copied every
// second. A Slurm that no longer knows the job (purged after MinJobAge) is
// answered by the status file, then by sacct. Stop, suspend and resume
// requests wake it through the table and go to scancel and scontrol.

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::detail {

// Follows job or array `id` until every job of it has ended; returns the
// worker's exit status.
int follow_slurm_job(Repository& repository, JobId id);

}  // namespace jobctl::detail
