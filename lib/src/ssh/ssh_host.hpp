#pragma once
// A host as `--on ssh:HOST,...` names it, in ssh's own terms: an alias of
// ~/.ssh/config, host, user@host, and host:port or [v6-address]:port. Only
// what ssh would take as a destination, never an option: no leading '-',
// no spaces or control characters.

#include <string>
#include <string_view>
#include <vector>

namespace jobctl::detail {

struct SshHost {
    std::string destination;  // what ssh connects to: "user@host", an alias, "::1"
    std::string port;         // empty: ssh's own choice (its config, or 22)
    std::string text;         // as the user wrote it: the job's location
};

// Errors: invalid_argument, in one line naming the bad host.
SshHost parse_ssh_host(std::string_view text);

// Each parsed, none twice. Errors: invalid_argument.
std::vector<SshHost> parse_ssh_hosts(const std::vector<std::string>& texts);

}  // namespace jobctl::detail
