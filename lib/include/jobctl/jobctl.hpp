#pragma once
// The whole public API of libjobctl in one include. Each header below is
// also usable on its own; see docs/library.md for a tour.

#include "jobctl/custom_job.hpp"       // CustomJob, CustomJobSpec: jobs a program runs itself
#include "jobctl/duration_text.hpp"    // parse_duration, format_duration: "500ms", "1m30s", "2h"
#include "jobctl/error.hpp"            // Error, ErrorCode
#include "jobctl/foreach_job.hpp"      // ForeachSpec, ForeachJob, start_foreach_job
#include "jobctl/job.hpp"              // JobId, JobType, JobState, JobInfo
#include "jobctl/job_context.hpp"      // JobContext: what a thread job's body gets
#include "jobctl/job_control.hpp"      // request_stop, remove_job
#include "jobctl/job_events.hpp"       // JobEventStream, JobEvent: every state change
#include "jobctl/job_handle.hpp"       // Job: wait, receive, stop one job
#include "jobctl/job_history.hpp"      // read_history, set_history_limit: ended jobs, kept after removal
#include "jobctl/job_listing.hpp"      // list_jobs, children_of
#include "jobctl/job_queue.hpp"        // set_queue_slots, list_queues
#include "jobctl/job_waiting.hpp"      // wait_for_jobs, wait_until, deadlines
#include "jobctl/process_job.hpp"      // ProcessJobSpec, start_process_job
#include "jobctl/program_run.hpp"      // run_program: a client program to its end, with a deadline
#include "jobctl/receive.hpp"          // receive_output, OutputStream
#include "jobctl/repository.hpp"       // Repository
#include "jobctl/slurm_job.hpp"        // start_slurm_job, start_slurm_array: jobs on a Slurm cluster
#include "jobctl/ssh_job.hpp"          // start_ssh_job: jobs on another machine over ssh
#include "jobctl/stop_on_signals.hpp"  // StopOnSignals
#include "jobctl/thread_job_host.hpp"  // ThreadJobHost, ThreadJobSpec
