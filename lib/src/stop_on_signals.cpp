#include "jobctl/stop_on_signals.hpp"

#include <pthread.h>

#include <thread>

#include "jobctl/job_control.hpp"

namespace jobctl {

StopOnSignals::StopOnSignals() {
    sigemptyset(&signals_);
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals_, signal);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
}

void StopOnSignals::watch(Repository& repository, JobId job) {
    // Detached: it sleeps in sigwait for the life of the process.
    std::thread([this, &repository, job] {
        int signal = 0;
        if (sigwait(&signals_, &signal) != 0) return;
        received_ = signal;
        try {
            request_stop(repository, job, kDefaultStopGrace);
        } catch (const std::exception&) {  // the job is gone: nothing to stop
        }
    }).detach();
}

}  // namespace jobctl
