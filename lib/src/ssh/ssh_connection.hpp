#pragma once
// The one connection a repository shares with a host (ssh's ControlMaster,
// its socket in the repository's control folder), opened before a job is
// registered: so that an unknown host, a refused key or a missing ssh is
// one line and nothing registered. The master process is ssh's own
// (ControlPersist: it leaves after 10 minutes without a session); a job's
// ssh uses it while it is there and connects on its own when it is not.

#include <filesystem>
#include <vector>

#include "ssh/ssh_host.hpp"
#include "table/repository_location.hpp"

namespace jobctl::detail {

// Errors: program_not_found (no ssh on PATH); cluster (ssh could not
// connect or log in: its own reason, in one line); timeout.
void open_shared_connection(const SshHost& host, const std::filesystem::path& control_folder);

// Whether the shared connection to `host` is there and answers (within a
// few seconds): a job's ssh uses it then, else connects on its own.
bool shared_connection_answers(const SshHost& host, const std::filesystem::path& control_folder);

// The control folder of `repository` (remote_command.hpp), and a shared
// connection open to each host, in order. Errors: as above, for the first
// host that fails.
void open_shared_connections(const RepositoryLocation& repository, const std::vector<SshHost>& hosts);

// The folder a repository's control sockets are in (made if need be).
std::filesystem::path control_folder_of(const RepositoryLocation& repository);

}  // namespace jobctl::detail
