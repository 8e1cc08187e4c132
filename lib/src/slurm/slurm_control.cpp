#include "slurm/slurm_control.hpp"

#include <string.h>

#include <vector>

#include "jobctl/error.hpp"
#include "slurm/slurm_command.hpp"
#include "slurm/slurm_job_id.hpp"

namespace jobctl::detail {
namespace {

// "TERM" for 15, as scancel --signal takes it; the number if it has no name.
std::string signal_name(int signal) {
    const char* abbreviation = ::sigabbrev_np(signal);
    return abbreviation != nullptr ? abbreviation : std::to_string(signal);
}

// What scancel says when there is nothing left to cancel: 22.05 says
// "Invalid job id specified" with --full even for a job it still lists as
// COMPLETED.
bool already_ended(const std::string& message) {
    return message.find("already completing or completed") != std::string::npos ||
           message.find("Invalid job id specified") != std::string::npos;
}

void run_scontrol(const std::string& verb, const std::string& id) {
    check_slurm_job_id(id);
    ProgramResult result = run_slurm_command({"scontrol", verb, id});
    if (!result.succeeded()) throw Error(ErrorCode::cluster, "scontrol: " + slurm_message(result));
}

}  // namespace

void cancel_job(const std::string& id, std::optional<int> signal) {
    check_slurm_job_id(id);
    std::vector<std::string> argv{"scancel"};
    if (signal) argv.insert(argv.end(), {"--signal=" + signal_name(*signal), "--full"});
    argv.push_back(id);
    ProgramResult result = run_slurm_command(argv);
    if (result.succeeded()) return;
    std::string message = slurm_message(result);
    if (!already_ended(message)) throw Error(ErrorCode::cluster, "scancel: " + message);
}

void suspend_job(const std::string& id) {
    run_scontrol("suspend", id);
}

void resume_job(const std::string& id) {
    run_scontrol("resume", id);
}

}  // namespace jobctl::detail
