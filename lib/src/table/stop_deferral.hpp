#pragma once
// Job-control stops (Ctrl-Z's SIGTSTP, a background read's SIGTTIN or
// write's SIGTTOU) wait while any thread of this process holds a
// repository's lock: a process stopped inside the lock would stop every
// other process of the repository. The thread that takes the lock blocks
// them itself (SegmentLock); in a process of several threads, the kernel
// gives the signal to another thread, so a program that wants Ctrl-Z kept
// off its locks also installs the handler here (jobctl does,
// Repository::defer_job_control_stops): it stops the process at once when
// no lock is held, and otherwise when the last holder lets go.

namespace jobctl::detail {

// Installs the handler for the three signals (once; later calls do nothing).
void install_stop_deferral();

// Around every critical section: entering waits while a deferred stop is
// being carried out; leaving the last one carries out a stop that came
// meanwhile.
void enter_locked_section();
void leave_locked_section();

}  // namespace jobctl::detail
