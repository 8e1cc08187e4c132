#pragma once
// The environment variables jobctl reads, said once for `jobctl --help`
// (their names) and the man pages (what each does).

#include <span>
#include <string>
#include <string_view>

namespace jobctl::cli {

struct EnvironmentVariable {
    std::string_view name;
    std::string_view meaning;
    bool for_tests = false;   // not for users; left out of --help
    bool for_worker = false;  // also in jobctl-worker(1)
};
std::span<const EnvironmentVariable> environment_variables();

// "Environment: JOBCTL_HOME, ...; see 'man jobctl'.": part of the app's footer.
std::string environment_footer();

}  // namespace jobctl::cli
