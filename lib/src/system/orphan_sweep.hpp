#pragma once
// Ending what is left of a job whose worker or host died: no process may
// run on that no job accounts for. The command's direct child already died
// with its parent (PR_SET_PDEATHSIG); this finds the rest: every process of
// the command's process group (even one whose leader has exited) and, for a
// worker's job, of the worker's session.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace jobctl::detail {

struct JobProcesses {
    pid_t group = 0;                // the command's process group (its first pid); 0: none started
    std::uint64_t group_start = 0;  // the command's start time
    pid_t session = 0;              // the worker's session (its pid); 0: do not look
    std::uint64_t session_start = 0;
    std::uint64_t pid_namespace = 0;  // what the ids are numbered in (the slot's owner's)
};

// Sends SIGKILL to each process that belongs to the job: in its group or
// session, and started no earlier than the group's (or session's) first
// process. Nothing is signalled unless the identity is proven: the ids are
// of this pid namespace, a start time is recorded (a group or session with
// none is left alone), a session whose leader still runs is led by a
// jobctl-worker, and each process signalled is this user's. Each is signalled through a pidfd checked against
// its start time, and a group or session id that a later process has taken over (it lives with another start
// time) only counts processes older than that one: a reused id is never hit. Returns how many were signalled
// besides the command itself (which its parent-death signal already ends).
std::size_t kill_job_processes(const JobProcesses& job);

}  // namespace jobctl::detail
