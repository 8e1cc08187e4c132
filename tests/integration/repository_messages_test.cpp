// What jobctl says when it cannot use a repository's table or home: one
// line, exit 6, what is wrong and, where there is one, the fix. Never the
// advice to remove something that is not a jobctl table, nor another
// user's table. Some tests need root (another user's files, a jobctl run
// as another user); they skip themselves without it.

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "jobctl_test.hpp"
#include "user_nobody.hpp"

namespace jobctl::test {
namespace {

class RepositoryMessages : public JobctlTest {
protected:
    void TearDown() override {
        ::setenv("JOBCTL_HOME", home().c_str(), 1);
        ::setenv("JOBCTL_REPOSITORY", repository_name().c_str(), 1);
        JobctlTest::TearDown();
    }

    // One line on stderr, exit 6 (repository unusable), with `expected` in it.
    static void expect_unusable(const CliResult& result, const std::string& expected) {
        EXPECT_EQ(result.exit_code, 6) << result.err;
        EXPECT_EQ(result.out, "");
        EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
        EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
        for (char c : result.err.substr(0, result.err.size() - 1))
            EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                << "a raw control character: " << result.err;
    }
    static void expect_no_removal_advised(const CliResult& result) {
        EXPECT_EQ(result.err.find("remove"), std::string::npos) << result.err;
        EXPECT_EQ(result.err.find("afresh"), std::string::npos) << result.err;
    }

    // `jobctl ARGS...` as user nobody (setpriv), with this process's environment.
    static CliResult jobctl_as_nobody(const std::vector<std::string>& args) {
        std::vector<std::string> command{"setpriv", "--reuid=" + std::to_string(kNobody),
                                         "--regid=" + std::to_string(kNogroup), "--clear-groups",
                                         bin_dir() + "/jobctl"};
        command.insert(command.end(), args.begin(), args.end());
        return CliProcess(command).finish();
    }

    // A folder that user nobody can reach (the test's home is root's, 0700).
    std::filesystem::path reachable_folder() {
        std::filesystem::path folder = home() + "/reachable";
        std::filesystem::create_directory(folder);
        ::chmod(home().c_str(), 0711);
        ::chmod(folder.c_str(), 0711);
        return folder;
    }
};

#define ROOT_ONLY()                                                                       \
    do {                                                                                  \
        if (::geteuid() != 0) GTEST_SKIP() << "needs root, to make another user's files"; \
    } while (false)

TEST_F(RepositoryMessages, ADeviceOrPipeGivenAsTheTableIsNamedForWhatItIs) {
    ::setenv("JOBCTL_REPOSITORY", "/dev/null", 1);
    CliResult device = jobctl({"get"});
    expect_unusable(device, "/dev/null is a character device, not a jobctl table");
    expect_no_removal_advised(device);

    std::string pipe = home() + "/pipe";
    ASSERT_EQ(::mkfifo(pipe.c_str(), 0600), 0);
    ::setenv("JOBCTL_REPOSITORY", pipe.c_str(), 1);
    CliResult named_pipe = jobctl({"start", "--", "true"});  // and does not hang opening it
    expect_unusable(named_pipe, pipe + " is a named pipe, not a jobctl table");
    expect_no_removal_advised(named_pipe);
}

// A file of the user's given by path that is no table: not advised away,
// and left as it was.
TEST_F(RepositoryMessages, AFileThatIsNoTableIsNotAdvisedAway) {
    std::string notes = home() + "/notes.txt";
    std::string text(4000, 'x');
    std::ofstream(notes) << text;
    ASSERT_EQ(::chmod(notes.c_str(), 0600), 0);
    ::setenv("JOBCTL_REPOSITORY", notes.c_str(), 1);
    CliResult refused = jobctl({"get"});
    expect_unusable(refused, notes + " is not a jobctl table");
    expect_no_removal_advised(refused);
    std::ifstream in(notes);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), text);
}

TEST_F(RepositoryMessages, ATableReplacedByAFolderIsUnusableNotASystemError) {
    ASSERT_EQ(jobctl({"get"}).exit_code, 0);
    std::string table = table_path_of(repository_name());
    std::filesystem::remove(table);
    std::filesystem::create_directory(table);
    CliResult refused = jobctl({"get"});
    expect_unusable(refused, table + " is a folder, not a jobctl table");
    expect_no_removal_advised(refused);
}

// Control characters in a path are shown escaped: the message stays one line.
TEST_F(RepositoryMessages, APathWithControlCharactersStaysOneLine) {
    std::string folder = home() + "/two\nlines\033[2J";
    std::filesystem::create_directory(folder);
    ::setenv("JOBCTL_REPOSITORY", folder.c_str(), 1);
    CliResult refused = jobctl({"get"});
    expect_unusable(refused, home() + "/two\\nlines\\e[2J is a folder, not a jobctl table");
}

TEST_F(RepositoryMessages, ATableOfAnotherUserSaysWhoseAndIsNotAdvisedAway) {
    ROOT_ONLY();
    ASSERT_EQ(jobctl({"get"}).exit_code, 0);
    std::string table = table_path_of(repository_name());
    ASSERT_EQ(::chown(table.c_str(), kNobody, kNogroup), 0);
    CliResult refused = jobctl({"get"});
    expect_unusable(refused, "its table " + table +
                                 " belongs to another user (nobody, uid 65534), and jobctl does not use "
                                 "another user's table");
    expect_no_removal_advised(refused);
    EXPECT_EQ(refused.err.find("chown"), std::string::npos) << "root is not told to take a user's table";
    EXPECT_TRUE(std::filesystem::exists(table));
}

// sudo -E jobctl made the user's home (root's, 0700): the user is told
// whose it is and how to give it back.
TEST_F(RepositoryMessages, AHomeMadeUnderSudoGetsAHintToGiveItBack) {
    ROOT_ONLY();
    std::filesystem::path state = reachable_folder() / "state";
    ASSERT_EQ(::mkdir(state.c_str(), 0700), 0);
    ASSERT_EQ(::chown(state.c_str(), kNobody, kNogroup), 0);
    std::filesystem::path jobctl_home = state / "jobctl";
    ::setenv("JOBCTL_HOME", jobctl_home.c_str(), 1);
    ASSERT_EQ(jobctl({"get"}).exit_code, 0) << "root could not make the home";  // as sudo -E would
    ::setenv("JOBCTL_REPOSITORY", "default", 1);

    CliResult refused = jobctl_as_nobody({"get"});
    expect_unusable(refused, jobctl_home.string() +
                                 " belongs to another user (root): refusing to keep jobs there; if sudo made "
                                 "it, give it back with: sudo chown -R nobody: " +
                                 jobctl_home.string());

    // Given back as the hint says, it works.
    for (const auto& entry : std::filesystem::recursive_directory_iterator(jobctl_home))
        ASSERT_EQ(::lchown(entry.path().c_str(), kNobody, kNogroup), 0);
    ASSERT_EQ(::chown(jobctl_home.c_str(), kNobody, kNogroup), 0);
    CliResult works = jobctl_as_nobody({"get"});
    EXPECT_EQ(works.exit_code, 0) << works.err;
}

// The real case: HOME has no ~/.local/state yet, and `sudo -E jobctl`
// (HOME kept, no JOBCTL_HOME) makes ~/.local, ~/.local/state and the home
// in it, all root's. The hint gives back ~/.local, nothing above it.
TEST_F(RepositoryMessages, FoldersSudoMadeAboveTheHomeAreGivenBackToo) {
    ROOT_ONLY();
    std::filesystem::path user_home = reachable_folder() / "user";
    ASSERT_EQ(::mkdir(user_home.c_str(), 0700), 0);
    ASSERT_EQ(::chown(user_home.c_str(), kNobody, kNogroup), 0);
    const char* saved_home = std::getenv("HOME");
    std::string restore_home = saved_home != nullptr ? saved_home : "";
    const char* saved_state = std::getenv("XDG_STATE_HOME");
    std::string restore_state = saved_state != nullptr ? saved_state : "";
    ::setenv("HOME", user_home.c_str(), 1);
    ::unsetenv("XDG_STATE_HOME");
    ::unsetenv("JOBCTL_HOME");
    ::setenv("JOBCTL_REPOSITORY", "default", 1);
    CliResult made = jobctl({"get"});  // as sudo -E would
    CliResult refused = jobctl_as_nobody({"get"});
    ::setenv("HOME", restore_home.c_str(), 1);
    if (saved_state != nullptr) ::setenv("XDG_STATE_HOME", restore_state.c_str(), 1);
    ASSERT_EQ(made.exit_code, 0) << made.err;
    std::filesystem::path jobctl_home = user_home / ".local" / "state" / "jobctl";
    expect_unusable(refused, jobctl_home.string() +
                                 " belongs to another user (root): refusing to keep jobs there; if sudo made "
                                 "it, give it back with: sudo chown -R nobody: " +
                                 (user_home / ".local").string() + "\n");
}

// Only the repository's table is root's (the home and folder are the
// user's): the hint gives back the repository's folder.
TEST_F(RepositoryMessages, ATableMadeUnderSudoGetsAHintToGiveItBack) {
    ROOT_ONLY();
    std::filesystem::path jobctl_home = reachable_folder() / "jobctl";
    ::setenv("JOBCTL_HOME", jobctl_home.c_str(), 1);
    ::setenv("JOBCTL_REPOSITORY", "default", 1);
    ASSERT_EQ(jobctl({"get"}).exit_code, 0);
    std::filesystem::path folder = jobctl_home / "default";
    for (const std::filesystem::path& mine : {jobctl_home, folder})
        ASSERT_EQ(::chown(mine.c_str(), kNobody, kNogroup), 0);

    CliResult refused = jobctl_as_nobody({"get"});
    expect_unusable(refused, "its table " + (folder / "table").string() +
                                 " belongs to another user (root), and jobctl does not use another user's "
                                 "table; if sudo made it, give it back with: sudo chown -R nobody: " +
                                 folder.string());
    expect_no_removal_advised(refused);
}

// Root finding a user's home (sudo -E keeps HOME) is told to run jobctl
// as that user, not to take the home over.
TEST_F(RepositoryMessages, RootFindingAUsersHomeIsToldWhose) {
    ROOT_ONLY();
    std::filesystem::path jobctl_home = reachable_folder() / "users-jobctl";
    ASSERT_EQ(::mkdir(jobctl_home.c_str(), 0700), 0);
    ASSERT_EQ(::chown(jobctl_home.c_str(), kNobody, kNogroup), 0);
    ::setenv("JOBCTL_HOME", jobctl_home.c_str(), 1);
    CliResult refused = jobctl({"get"});
    expect_unusable(refused, jobctl_home.string() +
                                 " belongs to another user (nobody, uid 65534): refusing to keep jobs there; "
                                 "run jobctl as its owner, or give root a JOBCTL_HOME of its own");
    EXPECT_TRUE(std::filesystem::is_empty(jobctl_home));
}

}  // namespace
}  // namespace jobctl::test
