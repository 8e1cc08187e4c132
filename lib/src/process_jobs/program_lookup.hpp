#pragma once
// Finding the programs a process job needs: the command itself, looked up
// as execvp would, and the jobctl-worker that runs it.

#include <filesystem>
#include <optional>
#include <string>

namespace jobctl::detail {

// JOBCTL_WORKER, else jobctl-worker beside the running executable, else the installed one.
std::filesystem::path find_worker();

// Resolves a program as execvp would: a name with '/' as is, else along PATH.
std::optional<std::filesystem::path> find_program(const std::string& program);
// Errors: program_not_found unless find_program finds `program`.
void require_program(const std::string& program);

}  // namespace jobctl::detail
