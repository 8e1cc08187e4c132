#pragma once
// Shared steps of the integration tests: start jobs through the real CLI.

#include <string>
#include <vector>

#include "cli_runner.hpp"
#include "repository_test.hpp"

namespace jobctl::test {

class JobctlTest : public RepositoryTest {
protected:
    // `jobctl start -q [--name NAME] -- COMMAND...`; fails the test unless it worked.
    JobId start(const std::vector<std::string>& command, const std::string& name = "") {
        return start_with(
            name.empty() ? std::vector<std::string>{} : std::vector<std::string>{"--name", name}, command);
    }
    // `jobctl start -q [OPTIONS...] -- COMMAND...`; fails the test unless it worked.
    JobId start_with(const std::vector<std::string>& options, const std::vector<std::string>& command) {
        std::vector<std::string> args{"start", "-q"};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back("--");
        args.insert(args.end(), command.begin(), command.end());
        CliResult result = jobctl(args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.exit_code == 0 ? static_cast<JobId>(std::stoul(result.out)) : 0;
    }
};

}  // namespace jobctl::test
