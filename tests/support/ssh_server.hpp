#pragma once
// A real OpenSSH server for the tests of jobs on other hosts: sshd on a
// spare port of 127.0.0.1, its own host key, a test user (made once, kept:
// jobctl-sshtest) who logs in with a key made here, and a client side that
// reaches it through an `ssh` first on PATH that adds this server's config
// (-F): hosts "testhost" (127.0.0.1), "testhost2" (localhost, the same
// server) and "badkey" (a key the server refuses). Needs root and sshd;
// available() says why not. Stopped, and its folder removed, when it goes.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace jobctl::test {

inline constexpr const char* kSshTestUser = "jobctl-sshtest";

class SshServer {
public:
    SshServer();  // starts it if it can: see available()
    ~SshServer();
    SshServer(const SshServer&) = delete;
    SshServer& operator=(const SshServer&) = delete;

    // Empty when it runs; else why not (for GTEST_SKIP).
    const std::string& unavailable() const { return unavailable_; }
    // The folder whose bin/ssh must come first on PATH.
    const std::string& client_bin() const { return bin_; }
    // The commands the test user runs now below this process (this
    // server's sessions, and what they left), sshd's own processes left out.
    std::vector<std::string> user_commands() const;
    // Waits until user_commands() has none that contain `word`; false on timeout.
    bool wait_until_no_user_command(const std::string& word,
                                    std::chrono::seconds timeout = std::chrono::seconds(20)) const;
    // Waits until some user command contains `word`; false on timeout.
    bool wait_until_user_command(const std::string& word,
                                 std::chrono::seconds timeout = std::chrono::seconds(20)) const;

private:
    std::string unavailable_;
    std::string folder_;
    std::string bin_;
    pid_t sshd_ = -1;
};

}  // namespace jobctl::test
