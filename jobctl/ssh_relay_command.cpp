// `jobctl __ssh-relay REQUEST WORDS...`: the remote side of a job that a
// jobctl on another machine started here with `--on ssh:` (the durable
// mode; jobctl/ssh_job.hpp). Run by that job's ssh, never by hand, so it is
// in no help text; its stdin is the control line, its stdout the frames.

#include "ssh_relay_command.hpp"

#include <signal.h>

#include <iostream>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "jobctl/error.hpp"
#include "jobctl/repository.hpp"
#include "jobctl/ssh_job.hpp"
#include "printable_text.hpp"

namespace jobctl::cli {

int ssh_relay_main(int argc, char** argv) {
    // A local side that is gone makes a write fail (EPIPE), not kill the
    // process inside the repository's lock.
    ::signal(SIGPIPE, SIG_IGN);
    try {
        return serve_ssh_relay(std::vector<std::string>(argv, argv + argc), 0, 1);
    } catch (const Error& error) {
        std::cerr << "jobctl: " << printable(error.what()) << '\n';
        return exit_code_for(error.code());
    } catch (const std::exception& error) {
        std::cerr << "jobctl: " << printable(error.what()) << '\n';
        return kSystemError;
    }
}

}  // namespace jobctl::cli
