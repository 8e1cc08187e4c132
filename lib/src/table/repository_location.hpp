#pragma once
// Where a repository lives on disk. Every repository has a table file (the
// shared memory every process maps) and a spool folder (its jobs' output).
//
// A name without '/' is a repository in the jobctl home:
//   <home>/<name>/table, <home>/<name>/output/<id>/ and <home>/<name>/history.jsonl
// where the home is $JOBCTL_HOME, else $XDG_STATE_HOME/jobctl, else
// ~/.local/state/jobctl: on disk, so jobs and output survive logout (which
// empties /dev/shm and $XDG_RUNTIME_DIR) and reboot. On a network or FUSE
// filesystem, where two machines mapping one file would not share memory,
// the folder is <home>/<name>@<host> instead: each machine its own.
// A name with '/' is the absolute path of a table file (for instance /dev/shm/x, for
// a repository that lives only until reboot); its spool is <path>.output/
// and its history <path>.output/history.jsonl.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace jobctl::detail {

struct RepositoryLocation {
    std::string name;               // as the user gave it
    std::filesystem::path table;    // the table file
    std::filesystem::path spool;    // one folder per job below it
    std::filesystem::path history;  // a line per ended job (table/history_file.hpp)
    std::string filesystem;         // of the table's folder: "ext4", "tmpfs", "nfs", ...
    bool local = true;              // false: a network or FUSE filesystem
    std::string note;               // one line for the user when not plain (empty otherwise)
};

// $JOBCTL_HOME, else $XDG_STATE_HOME/jobctl, else $HOME/.local/state/jobctl.
std::filesystem::path jobctl_home();

// Where repository `name` lives. With `create`, makes the home and the
// repository's folder (mode 0700) and checks that each belongs to this user
// and that no one else can write to it.
// Errors: invalid_argument (a bad name); repository_unusable (a home or
// folder of another user or open to others); system.
RepositoryLocation locate_repository(const std::string& name, bool create);

// Where the repository keeps the sockets of its ssh jobs' shared
// connections (ssh/ssh_connection.hpp): its own folder's ssh/, or, where
// that path is too long for a socket, a folder of this user's in /tmp
// named after it. Not made here; Repository::destroy removes it.
std::filesystem::path ssh_control_folder(const RepositoryLocation& location);

// Creates `directory` (mode 0700) if missing and checks that it is a real
// folder (not a symlink) of this user that no one else can write.
// Errors: repository_unusable, system.
void ensure_private_directory(const std::filesystem::path& directory);

// What to say of a file or folder that belongs to `owner`, not to this
// user: "belongs to another user (root)", "(bob, uid 1001)"...
std::string owned_by_another_user(uid_t owner);
// When it is root's and this user is not root (a jobctl run under sudo -E
// made it, as a rule), how to give `paths` back to this user: "if sudo
// made it, give it back with: sudo chown -R alice: PATH" (paths quoted for
// a shell). Otherwise empty.
std::string give_back_hint(uid_t owner, const std::vector<std::filesystem::path>& paths);

// "a folder", "a character device", "a symbolic link"...: what a file that
// is not a regular file is (st_mode).
std::string kind_of_file(mode_t mode);

}  // namespace jobctl::detail
