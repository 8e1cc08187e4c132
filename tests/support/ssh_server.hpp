#pragma once
// A real OpenSSH server for the tests of jobs on other hosts: sshd on a
// spare port of 127.0.0.1, its own host key, a test user (made once, kept:
// jobctl-sshtest) who logs in with a key made here, and a client side that
// reaches it through an `ssh` first on PATH that adds this server's config
// (-F): hosts "testhost" (127.0.0.1), "testhost2" (localhost, the same
// server) and "badkey" (a key the server refuses). Needs root and sshd;
// available() says why not. Stopped, and its folder removed, when it goes.
// With a remote jobctl, the test user's sessions find this build's jobctl
// first on PATH, with a jobctl home of their own in the server's folder
// (the durable mode); without, they find none (the wrapper).

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace jobctl::test {

inline constexpr const char* kSshTestUser = "jobctl-sshtest";

class SshServer {
public:
    enum class RemoteJobctl { none, installed };
    explicit SshServer(RemoteJobctl remote = RemoteJobctl::none);  // starts it if it can: see available()
    ~SshServer();
    SshServer(const SshServer&) = delete;
    SshServer& operator=(const SshServer&) = delete;

    // Empty when it runs; else why not (for GTEST_SKIP).
    const std::string& unavailable() const { return unavailable_; }
    // The folder whose bin/ssh must come first on PATH.
    const std::string& client_bin() const { return bin_; }
    // With a remote jobctl: `jobctl ARGS` as the test user there, with its
    // home and PATH; its stdout.
    std::string remote_jobctl(const std::string& args) const;
    // Offline: the client's ssh fails as a lost connection does (exit 255)
    // until online again; the server is not touched.
    void set_offline(bool offline) const;
    // Held: the stdout of each job's ssh started meanwhile is held back
    // here (a slow link) until let go; its exit status is lost (0).
    void set_held(bool held) const;
    // The pids of the test user's commands (below this process) that contain `word`.
    std::vector<pid_t> user_pids(const std::string& word) const;
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
    void set_flag(const std::string& name, bool on) const;

    std::string unavailable_;
    std::string folder_;
    std::string bin_;
    std::string remote_home_;  // the test user's jobctl home; empty: no jobctl there
    pid_t sshd_ = -1;
};

}  // namespace jobctl::test
