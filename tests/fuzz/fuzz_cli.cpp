// Fuzz target: the jobctl command line, run in process (jobctl_main) on a
// repository of finished jobs, restored before every input. The input is the
// argument vector, arguments separated by NUL bytes. Every run must return an
// exit code of the documented set (0-9), with a message on stderr for an
// error (2-9) and for a failed job (1) unless quiet (-q); the sandbox turns
// every process it would start and every signal it would send into an error.
// A usage error (exit 2) must change nothing: the table's bytes (but its
// lock's, which any lock and unlock rewrites) and the spool's files are
// compared with what was restored before the run.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_sandbox.hpp"
#include "fuzz_template.hpp"
#include "jobctl_main.hpp"
#include "table/repository_location.hpp"
#include "table/segment_layout.hpp"

namespace {

jobctl::fuzz::RepositorySnapshot snapshot;

std::string arguments(std::initializer_list<std::string> words) {
    std::string bytes;
    for (const std::string& word : words) bytes += word + '\0';
    if (!bytes.empty()) bytes.pop_back();
    return bytes;
}

// The commands print on stdout and stderr: /dev/null for them (libFuzzer's own
// reports keep their descriptor), and stderr captured through std::cerr.
void quiet_standard_output() {
    int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    for (int fd : {1, 2})
        if (::fcntl(fd, F_GETFD) < 0) ::dup2(null_fd, fd);
    ::dup2(null_fd, 1);
    ::close(null_fd);
}

std::string read_whole(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

// The table's bytes with its lock's blanked, and every file of the spool
// with its contents: what a command that did nothing leaves as it was.
struct RepositoryState {
    std::string table;
    std::map<std::string, std::string> spool;
    bool operator==(const RepositoryState&) const = default;
};

RepositoryState state_of(const std::string& name) {
    auto location = jobctl::detail::locate_repository(name, false);
    RepositoryState state{read_whole(location.table), {}};
    constexpr std::size_t kLock = offsetof(jobctl::detail::SegmentHeader, lock);
    if (state.table.size() >= kLock + sizeof(pthread_mutex_t))
        std::memset(state.table.data() + kLock, 0, sizeof(pthread_mutex_t));
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(location.spool, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error))
        state.spool[it->path().string()] = it->is_regular_file() ? read_whole(it->path()) : "(folder)";
    return state;
}

std::string what_differs(const RepositoryState& before, const RepositoryState& after) {
    if (before.table != after.table) {
        std::size_t at = 0;
        while (at < std::min(before.table.size(), after.table.size()) && before.table[at] == after.table[at])
            ++at;
        return "the table (first at byte " + std::to_string(at) + " of " +
               std::to_string(after.table.size()) + ")";
    }
    for (const auto& [path, bytes] : before.spool)
        if (!after.spool.contains(path) || after.spool.at(path) != bytes) return path;
    for (const auto& [path, bytes] : after.spool)
        if (!before.spool.contains(path)) return path + " (new)";
    return "nothing";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    snapshot = jobctl::fuzz::build_template("template");
    ::setenv("JOBCTL_REPOSITORY", "cli", 1);
    ::unsetenv("JOBCTL_CAPACITY");
    using jobctl::fuzz::write_seed;
    write_seed("get", arguments({"get"}));
    write_seed("get-json", arguments({"get", "--json", "--include-children", "--state", "Completed,Failed"}));
    write_seed("receive", arguments({"receive", "--keep", "1", "each"}));
    write_seed("wait", arguments({"wait", "--any", "--timeout", "0.5", "1", "2"}));
    write_seed("stop", arguments({"stop", "--grace", "0", "--timeout", "1", "lost"}));
    write_seed("remove", arguments({"remove", "--state", "Completed", "--newest", "2"}));
    write_seed("start", arguments({"start", "--name", "x", "--", "true"}));
    write_seed("run", arguments({"run", "--", "echo", "hi"}));
    write_seed("foreach", arguments({"foreach", "-j", "2", "--", "echo", "{}", ":::", "a", "b"}));
    write_seed("foreach-as-job", arguments({"foreach", "--as-job", "-q", "--", "echo", ":::", "a"}));
    write_seed("repository", arguments({"repository", "--json"}));
    // A watch of every job follows until Ctrl-C: the first one the fuzzer
    // found was a timeout of its own (now bounded above).
    write_seed("regression-watch-everything", arguments({"watch"}));
    // The sandbox refuses to start crontab: add fails (exit 9) and writes nothing.
    write_seed("schedule-add", arguments({"schedule", "add", "n", "--every", "15m", "--", "true"}));
    write_seed("schedule-list", arguments({"schedule", "list", "--json"}));
    write_seed("help", arguments({"--help"}));
    write_seed("typo", arguments({"gett"}));
    write_seed("complete", arguments({"__complete", "stop", "--state=Completed,F"}));
    write_seed("complete-jobs", arguments({"__complete", "start", "--after", ""}));
    jobctl::fuzz::enter_sandbox_unless_merging(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static bool silenced = (quiet_standard_output(), true);
    (void)silenced;
    std::vector<std::string> words{"jobctl"};
    std::string word;
    for (std::size_t i = 0; i < size && words.size() < 32; ++i) {
        if (data[i] == '\0') {
            words.push_back(word);
            word.clear();
        } else if (word.size() < 512) {
            word.push_back(static_cast<char>(data[i]));
        }
    }
    if (size > 0 && words.size() < 32) words.push_back(word);
    // `watch` follows until Ctrl-C by design when no job is named (or for as
    // long as a --timeout given says): bounded here, as a user's Ctrl-C would
    // end it. A second --timeout is the one taken, or a usage error; after a
    // `--`, these are jobs' names, which do not exist: either way it ends.
    if (words.size() > 1 && words[1] == "watch") words.insert(words.end(), {"--timeout", "0.05"});
    std::vector<char*> argv;
    for (std::string& each : words) argv.push_back(each.data());
    argv.push_back(nullptr);

    jobctl::fuzz::restore(snapshot, "cli");
    const RepositoryState restored = state_of("cli");  // with what earlier inputs left in the spool
    std::ostringstream errors;
    std::streambuf* saved = std::cerr.rdbuf(errors.rdbuf());
    int code = jobctl::cli::jobctl_main(static_cast<int>(words.size()), argv.data());
    std::cerr.rdbuf(saved);
    std::cout.clear();
    if (code < 0 || code > 9)
        jobctl::fuzz::fail("jobctl returned " + std::to_string(code) + ": " + errors.str());
    // An error says what it is; so does a failed job, unless asked to be quiet.
    bool quiet = std::ranges::any_of(words, [](const std::string& each) {
        return each == "-q" || each == "--quiet" ||
               (each.size() > 1 && each[0] == '-' && each[1] != '-' && each.find('q') != std::string::npos);
    });
    if (errors.str().empty() && (code >= 2 || (code == 1 && !quiet)))
        jobctl::fuzz::fail("jobctl returned " + std::to_string(code) + " without a message");
    if (code == 2) {
        RepositoryState after = state_of("cli");
        if (after != restored)
            jobctl::fuzz::fail("a usage error (exit 2) changed " + what_differs(restored, after) + ": " +
                               errors.str());
    }
    return 0;
}
