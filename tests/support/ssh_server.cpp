#include "ssh_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_runner.hpp"

namespace jobctl::test {
namespace {

constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr const char* kHome = "/var/tmp/jobctl-sshtest-home";

int run(const std::string& command) {
    int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// A port nobody listens on now (the kernel's choice).
int spare_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    ::close(fd);
    return ntohs(address.sin_port);
}

bool accepts(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
}

// The test user, made once (two tests at once: the second finds it made).
std::string ensure_user() {
    if (::getpwnam(kSshTestUser) == nullptr &&
        run(std::string("useradd --system --home-dir ") + kHome + " --shell /bin/sh " + kSshTestUser +
            " 2>/dev/null") != 0 &&
        ::getpwnam(kSshTestUser) == nullptr)
        return "cannot make the test user (useradd)";
    // No password, but not locked either ('!'): sshd refuses a locked account even its key.
    if (run(std::string("usermod -p '*' ") + kSshTestUser) != 0)
        return "cannot unlock the test user (usermod)";
    passwd* user = ::getpwnam(kSshTestUser);
    std::filesystem::create_directories(kHome);
    if (::chown(kHome, user->pw_uid, user->pw_gid) != 0) return "cannot give the test user a home";
    return {};
}

// Every process below `root` now (from `ps`: parent links).
std::vector<pid_t> descendants(pid_t root) {
    std::vector<std::pair<pid_t, pid_t>> links;  // pid, parent
    if (FILE* listing = ::popen("ps -e -o pid=,ppid=", "r")) {
        int pid = 0, parent = 0;
        while (std::fscanf(listing, "%d %d", &pid, &parent) == 2) links.emplace_back(pid, parent);
        ::pclose(listing);
    }
    std::vector<pid_t> found{root};
    for (std::size_t next = 0; next < found.size(); ++next)
        for (const auto& [pid, parent] : links)
            if (parent == found[next]) found.push_back(pid);
    found.erase(found.begin());
    return found;
}

}  // namespace

SshServer::SshServer(RemoteJobctl remote) {
    if (::geteuid() != 0) {
        unavailable_ = "needs root (a test user and an sshd of its own)";
        return;
    }
    if (::access(kSshd, X_OK) != 0 || ::access("/usr/bin/ssh", X_OK) != 0) {
        unavailable_ = "needs openssh-server and openssh-client (scripts/setup.sh --tests installs them)";
        return;
    }
    if (std::string problem = ensure_user(); !problem.empty()) {
        unavailable_ = problem;
        return;
    }
    char pattern[] = "/tmp/jobctl-sshd-XXXXXX";
    folder_ = ::mkdtemp(pattern);
    ::chmod(folder_.c_str(), 0755);  // sshd, as the user, reads the authorized keys here
    bin_ = folder_ + "/bin";
    std::filesystem::create_directories(bin_);
    ::mkdir("/run/sshd", 0755);  // sshd's privilege separation folder
    int port = spare_port();
    std::string f = folder_;
    if (run("ssh-keygen -q -t ed25519 -N '' -f " + f + "/host_key && ssh-keygen -q -t ed25519 -N '' -f " + f +
            "/client_key && ssh-keygen -q -t ed25519 -N '' -f " + f + "/refused_key") != 0) {
        unavailable_ = "ssh-keygen failed";
        return;
    }
    std::filesystem::copy_file(f + "/client_key.pub", f + "/authorized_keys");
    ::chmod((f + "/authorized_keys").c_str(), 0644);
    std::string host_key = read_all(f + "/host_key.pub");
    host_key = host_key.substr(0, host_key.rfind(' '));  // "ssh-ed25519 AAAA...", no comment
    std::ofstream(f + "/known_hosts") << "[127.0.0.1]:" << port << " " << host_key << "\n"
                                      << "[localhost]:" << port << " " << host_key << "\n";
    std::ofstream(f + "/sshd_config")
        << "Port " << port << "\nListenAddress 127.0.0.1\nHostKey " << f << "/host_key\nPidFile " << f
        << "/sshd.pid\nAuthorizedKeysFile " << f
        << "/authorized_keys\nStrictModes no\nUsePAM no\n"
           "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
           "PermitRootLogin no\nAllowUsers "
        << kSshTestUser << "\nMaxSessions 100\nMaxStartups 100\nLogLevel ERROR\n";
    if (remote == RemoteJobctl::installed) {
        remote_home_ = f + "/remote-jobctl-home";
        std::filesystem::create_directories(remote_home_);
        passwd* user = ::getpwnam(kSshTestUser);
        ::chmod(remote_home_.c_str(), 0700);
        if (::chown(remote_home_.c_str(), user->pw_uid, user->pw_gid) != 0) {
            unavailable_ = "cannot give the test user a jobctl home";
            return;
        }
        std::ofstream(f + "/sshd_config", std::ios::app)
            << "SetEnv PATH=" << bin_dir() << ":/usr/bin:/bin JOBCTL_HOME=" << remote_home_ << "\n";
    }
    auto host = [&](const std::string& name, const std::string& address, const std::string& key) {
        return "Host " + name + "\n  HostName " + address + "\n  Port " + std::to_string(port) + "\n  User " +
               kSshTestUser + "\n  IdentityFile " + f + "/" + key + "\n  IdentitiesOnly yes\n";
    };
    std::ofstream(f + "/ssh_config") << host("testhost", "127.0.0.1", "client_key")
                                     << host("testhost2", "localhost", "client_key")
                                     << host("badkey", "127.0.0.1", "refused_key")
                                     << "Host *\n  UserKnownHostsFile " << f
                                     << "/known_hosts\n  StrictHostKeyChecking yes\n";
    // Offline: ssh fails as a lost connection does. Held: what the host
    // sends to a job's ssh waits (a slow link) until the hold is let go.
    std::ofstream(bin_ + "/ssh") << "#!/bin/sh\n[ -e " << f << "/offline ] && exit 255\n"
                                 << "case \"$*\" in *jobctl-ssh*) held=1 ;; esac\n"
                                 << "if [ -n \"$held\" ] && [ -e " << f << "/held ]; then /usr/bin/ssh -F "
                                 << f << "/ssh_config \"$@\" | { while [ -e " << f
                                 << "/held ]; do sleep 0.05; done; exec cat; }; exit; fi\n"
                                 << "exec /usr/bin/ssh -F " << f << "/ssh_config \"$@\"\n";
    ::chmod((bin_ + "/ssh").c_str(), 0755);
    sshd_ = ::fork();
    if (sshd_ == 0) {
        ::execl(kSshd, kSshd, "-D", "-E", (f + "/sshd.log").c_str(), "-f", (f + "/sshd_config").c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Ready once it accepts connections (or given up after 10 s).
    for (int tries = 0; tries < 1000 && !accepts(port); ++tries) {
        if (::waitpid(sshd_, nullptr, WNOHANG) == sshd_) {
            sshd_ = -1;
            unavailable_ = "sshd exited at its start";
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!accepts(port)) unavailable_ = "sshd does not accept connections";
}

SshServer::~SshServer() {
    // The remote jobctl's workers (orphans: they land on this process).
    if (!remote_home_.empty())
        if (passwd* user = ::getpwnam(kSshTestUser))
            for (pid_t pid : descendants(::getpid())) {
                struct stat status {};
                if (::stat(("/proc/" + std::to_string(pid)).c_str(), &status) == 0 &&
                    status.st_uid == user->pw_uid)
                    ::kill(pid, SIGKILL);
            }
    if (sshd_ > 0) {
        // Its sessions and whatever they still run (a job a failed test
        // left), found by their parent links: not other processes of the
        // test user, which another program may be using meanwhile.
        for (pid_t pid : descendants(sshd_)) ::kill(pid, SIGKILL);
        ::kill(sshd_, SIGTERM);
        ::waitpid(sshd_, nullptr, 0);
    }
    if (!folder_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(folder_, ignored);
    }
}

std::string SshServer::remote_jobctl(const std::string& args) const {
    std::string command = "su -s /bin/sh " + std::string(kSshTestUser) + " -c 'JOBCTL_HOME=" + remote_home_ +
                          " " + bin_dir() + "/jobctl " + args + "' 2>&1";
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
        char buffer[4096];
        for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
            out.append(buffer, got);
        ::pclose(pipe);
    }
    return out;
}

// A file in the server's folder that the client's ssh wrapper looks for.
void SshServer::set_flag(const std::string& name, bool on) const {
    std::string flag = folder_ + "/" + name;
    if (on)
        std::ofstream(flag).put('\n');
    else
        std::filesystem::remove(flag);
}

void SshServer::set_held(bool held) const {
    set_flag("held", held);
}

void SshServer::set_offline(bool offline) const {
    set_flag("offline", offline);
}

namespace {

// The test user's processes below this process (sshd is, and an orphan of
// a session lands here: the tests are subreapers), sshd's own left out,
// not another program's of that user: pid and command line.
std::vector<std::pair<pid_t, std::string>> user_processes() {
    std::vector<std::pair<pid_t, std::string>> found;
    passwd* user = ::getpwnam(kSshTestUser);
    if (user == nullptr) return found;
    for (pid_t pid : descendants(::getpid())) {
        struct stat status {};
        if (::stat(("/proc/" + std::to_string(pid)).c_str(), &status) != 0 || status.st_uid != user->pw_uid)
            continue;
        std::string command = read_all("/proc/" + std::to_string(pid) + "/cmdline");
        std::replace(command.begin(), command.end(), '\0', ' ');
        if (!command.empty() && command.back() == ' ') command.pop_back();
        if (!command.empty() && !command.starts_with("sshd")) found.emplace_back(pid, command);
    }
    return found;
}

}  // namespace

std::vector<pid_t> SshServer::user_pids(const std::string& word) const {
    std::vector<pid_t> pids;
    for (const auto& [pid, command] : user_processes())
        if (command.find(word) != std::string::npos) pids.push_back(pid);
    return pids;
}

std::vector<std::string> SshServer::user_commands() const {
    std::vector<std::string> commands;
    for (auto& [pid, command] : user_processes()) commands.push_back(std::move(command));
    return commands;
}

bool SshServer::wait_until_no_user_command(const std::string& word, std::chrono::seconds timeout) const {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        bool found = false;
        for (const std::string& command : user_commands())
            found = found || command.find(word) != std::string::npos;
        if (!found) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

bool SshServer::wait_until_user_command(const std::string& word, std::chrono::seconds timeout) const {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        for (const std::string& command : user_commands())
            if (command.find(word) != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

}  // namespace jobctl::test
