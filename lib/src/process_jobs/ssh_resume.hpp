#pragma once
// The durable mode after a worker here is lost (a crash, a reboot): the job
// on the other host runs on, so the job here is not lost. Whoever finds
// the worker gone (Liveness, through the "ssh" kind's hook) starts a new
// worker with the lost one's arguments (its restart file) and hands it the
// job; that worker connects and follows the job there on from the bytes
// already here, counted in the job's log after the place the note of the
// job there marks (ssh_run.hpp: RemoteNote).

#include <cstdint>
#include <filesystem>
#include <optional>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "process_jobs/ssh_run.hpp"

namespace jobctl::detail {

// Registers what the jobs of type "ssh" add to every job's operations: a
// lost worker's job taken over (resume_lost_ssh_worker), or else the note
// that the job there may run on. Once per process, with the other kinds.
void register_ssh_job_kind();

// For Liveness: `job`'s worker is gone. True if a new worker took the job
// over (or someone else did first, or it has ended meanwhile); false if it
// cannot be followed again (not the durable mode, no restart file, a log
// whose tail was begun, no worker to start): then it is lost as any job.
bool resume_lost_ssh_worker(Repository& repository, const JobInfo& job);

// The bytes of the job there that the log in `job_folder` holds: its
// records after the note's place. Nothing when they cannot be counted
// exactly (a capped log whose tail was begun, a damaged log).
std::optional<std::uint64_t> remote_bytes_here(const std::filesystem::path& job_folder,
                                               const RemoteNote& note);

}  // namespace jobctl::detail
