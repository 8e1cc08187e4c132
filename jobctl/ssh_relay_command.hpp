#pragma once
// The remote side of a job started elsewhere with --on ssh: (ssh_relay_command.cpp).

#include <string_view>

namespace jobctl::cli {

inline constexpr std::string_view kSshRelayVerb = "__ssh-relay";

// argv: what follows the verb.
int ssh_relay_main(int argc, char** argv);

}  // namespace jobctl::cli
