#include "table/repository_location.hpp"

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "jobctl/error.hpp"

namespace jobctl::detail {
namespace {

std::string environment(const char* variable) {
    const char* value = std::getenv(variable);
    return value != nullptr ? value : "";
}

std::string host_name() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
    return buffer;
}

void check_name(const std::string& name) {
    bool valid = !name.empty() && name.size() <= 200 && name[0] != '.';
    for (char c : name)
        valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    if (!valid)
        throw Error(
            ErrorCode::invalid_argument,
            "invalid repository name '" + name +
                "': use 1-200 letters, digits, '-', '_' or '.', not starting with '.' (or a path with '/')");
}

[[noreturn]] void refuse(const std::filesystem::path& folder, const std::string& why) {
    throw Error(ErrorCode::repository_unusable,
                folder.string() + " " + why + "; refusing to keep jobs there");
}

// The highest folder from `folder` up that `owner` made too, staying below
// the user's HOME (never HOME itself, nor anything above it): under
// `sudo -E`, jobctl makes ~/.local/state as well when it did not exist.
std::filesystem::path made_with(const std::filesystem::path& folder, uid_t owner) {
    std::string home = environment("HOME");
    if (home.empty() || home[0] != '/') return folder;
    std::filesystem::path user_home = std::filesystem::path(home).lexically_normal();
    if (!user_home.has_filename()) user_home = user_home.parent_path();  // a trailing '/'
    auto below_home = [&](const std::filesystem::path& path) {
        auto [in_home, in_path] = std::mismatch(user_home.begin(), user_home.end(), path.begin(), path.end());
        return in_home == user_home.end() && in_path != path.end();
    };
    std::filesystem::path top = folder.lexically_normal();
    for (std::filesystem::path parent = top.parent_path(); parent != top && below_home(parent);
         top = parent, parent = top.parent_path()) {
        struct stat status {};
        if (::stat(parent.c_str(), &status) != 0 || status.st_uid != owner) break;
    }
    return top;
}

// A folder of another user: whose, and how to get it back when it is
// root's. (The library never takes anything over by itself.)
[[noreturn]] void refuse_foreign(const std::filesystem::path& folder, uid_t owner) {
    std::string hint = give_back_hint(owner, {made_with(folder, owner)});
    if (hint.empty() && ::geteuid() == 0)
        hint = "run jobctl as its owner, or give root a JOBCTL_HOME of its own";
    throw Error(ErrorCode::repository_unusable, folder.string() + " " + owned_by_another_user(owner) +
                                                    ": refusing to keep jobs there" +
                                                    (hint.empty() ? "" : "; " + hint));
}

// The home itself may be a symlink (to a folder on another disk, say), but
// what it leads to must be the user's own and closed to writers.
void check_home(const std::filesystem::path& home) {
    struct stat status {};
    if (::stat(home.c_str(), &status) != 0) throw_system_error("cannot stat " + home.string(), errno);
    if (!S_ISDIR(status.st_mode)) refuse(home, "is not a folder");
    if (status.st_uid != ::geteuid()) refuse_foreign(home, status.st_uid);
    if ((status.st_mode & 022) != 0) refuse(home, "can be written by other users (chmod go-w it)");
}

// The name /etc/passwd gives `uid`, or empty. (No getpwuid: see jobctl_home.)
std::string user_name(uid_t uid) {
    std::FILE* passwd = std::fopen("/etc/passwd", "re");
    if (passwd == nullptr) return "";
    std::string name;
    char line[1024];
    while (name.empty() && std::fgets(line, sizeof line, passwd) != nullptr) {
        // name:password:uid:...
        char* first_colon = std::strchr(line, ':');
        char* second_colon = first_colon == nullptr ? nullptr : std::strchr(first_colon + 1, ':');
        if (second_colon == nullptr) continue;
        char* end = nullptr;
        unsigned long number = std::strtoul(second_colon + 1, &end, 10);
        if (end != second_colon + 1 && *end == ':' && number == uid) name.assign(line, first_colon);
    }
    std::fclose(passwd);
    return name;
}

// "root", "alice, uid 1000", "uid 1000".
std::string describe_user(uid_t uid) {
    std::string name = user_name(uid);
    if (uid == 0 && (name.empty() || name == "root")) return "root";
    return name.empty() ? "uid " + std::to_string(uid) : name + ", uid " + std::to_string(uid);
}

// `word` as a shell reads it back: as it is when it is plain, else in single quotes.
std::string shell_word(const std::string& word) {
    bool plain = !word.empty();
    for (char c : word)
        plain =
            plain && (std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._-+:@,%=", c) != nullptr);
    if (plain) return word;
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

void make_home(const std::filesystem::path& home) {
    std::error_code error;
    if (!std::filesystem::exists(home, error)) {
        std::filesystem::create_directories(home.parent_path(), error);  // ~/.local/state, with the umask
        if (::mkdir(home.c_str(), 0700) != 0 && errno != EEXIST)
            throw_system_error("cannot create the jobctl home " + home.string(), errno);
    }
    check_home(home);
}

struct FilesystemKind {
    std::string name;
    bool local;
};

// Network and FUSE filesystems: one file mapped on two machines is two
// copies, not shared memory (and a FUSE server may not support it at all).
FilesystemKind filesystem_of(const std::filesystem::path& folder) {
    struct statfs status {};
    if (::statfs(folder.c_str(), &status) != 0) return {"unknown", true};
    switch (static_cast<unsigned long>(status.f_type)) {
        case EXT4_SUPER_MAGIC:
            return {"ext4", true};  // also ext2/ext3
        case TMPFS_MAGIC:
            return {"tmpfs", true};
        case BTRFS_SUPER_MAGIC:
            return {"btrfs", true};
        case XFS_SUPER_MAGIC:
            return {"xfs", true};
        case OVERLAYFS_SUPER_MAGIC:
            return {"overlay", true};
        case 0x2fc12fc1:
            return {"zfs", true};
        case 0xf2f52010:
            return {"f2fs", true};
        case NFS_SUPER_MAGIC:
            return {"nfs", false};
        case SMB_SUPER_MAGIC:
            return {"smb", false};
        case 0xff534d42:
            return {"cifs", false};
        case 0xfe534d42:
            return {"smb2", false};
        case 0x65735546:
            return {"fuse", false};
        case CEPH_SUPER_MAGIC:
            return {"ceph", false};
        case AFS_SUPER_MAGIC:
            return {"afs", false};
        case V9FS_MAGIC:
            return {"9p", false};
        case 0x0bd00bd0:
            return {"lustre", false};
        case 0x47504653:
            return {"gpfs", false};
        default:
            return {"other", true};
    }
}

}  // namespace

std::filesystem::path jobctl_home() {
    if (std::string home = environment("JOBCTL_HOME"); !home.empty()) return std::filesystem::absolute(home);
    if (std::string state = environment("XDG_STATE_HOME"); !state.empty() && state[0] == '/')
        return std::filesystem::path(state) / "jobctl";
    // No getpwuid: the programs are linked statically, and NSS would need
    // the shared libraries of the glibc they were built with.
    std::string user_home = environment("HOME");
    if (user_home.empty() || user_home[0] != '/')
        throw Error(ErrorCode::invalid_argument, "HOME is not set to an absolute path: set JOBCTL_HOME");
    return std::filesystem::path(user_home) / ".local" / "state" / "jobctl";
}

void ensure_private_directory(const std::filesystem::path& directory) {
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST)
        throw_system_error("cannot create " + directory.string(), errno);
    struct stat status {};
    if (::lstat(directory.c_str(), &status) != 0)
        throw_system_error("cannot stat " + directory.string(), errno);
    if (!S_ISDIR(status.st_mode)) refuse(directory, "is not a folder");
    if (status.st_uid != ::geteuid()) refuse_foreign(directory, status.st_uid);
    if ((status.st_mode & 022) != 0) refuse(directory, "can be written by other users");
}

std::filesystem::path ssh_control_folder(const RepositoryLocation& location) {
    // A unix socket's path holds at most 107 bytes; the socket's name is 16,
    // and ssh adds a temporary suffix of its own while it makes one.
    constexpr std::size_t kRoom = 80;
    std::filesystem::path folder = location.history.parent_path();  // the repository's own folder
    if (folder.native().size() + 4 + 17 <= kRoom) return folder / "ssh";
    std::string key = std::to_string(std::hash<std::string>{}(folder.string()));
    return std::filesystem::path("/tmp/jobctl-" + std::to_string(::geteuid())) / ("ssh-" + key.substr(0, 12));
}

RepositoryLocation locate_repository(const std::string& name, bool create) {
    RepositoryLocation location;
    if (name.find('/') != std::string::npos) {
        location.table = std::filesystem::path(name).lexically_normal();
        if (name[0] != '/' || !location.table.has_filename())
            throw Error(ErrorCode::invalid_argument,
                        "repository path '" + name + "' must be the absolute path of a table file");
        location.name = location.table.string();
        location.spool = location.table.string() + ".output";
        // In the spool, a folder of ours: beside the table, the name could be
        // another table's, or a file someone else put there.
        location.history = location.spool / "history.jsonl";
        FilesystemKind kind = filesystem_of(location.table.parent_path());
        location.filesystem = kind.name;
        location.local = kind.local;
        if (!kind.local)
            location.note = "the table is on a " + kind.name + " filesystem: use it from this machine only";
        return location;
    }
    check_name(name);
    location.name = name;
    std::filesystem::path home = jobctl_home();
    if (create) make_home(home);
    FilesystemKind kind = filesystem_of(home);
    location.filesystem = kind.name;
    location.local = kind.local;
    std::filesystem::path folder = home / name;
    if (!kind.local) {
        folder = home / (name + "@" + host_name());
        location.note = "the jobctl home is on a " + kind.name +
                        " filesystem, shared between machines: this machine's jobs are kept apart in " +
                        folder.string();
    }
    if (create) ensure_private_directory(folder);
    location.table = folder / "table";
    location.spool = folder / "output";
    location.history = folder / "history.jsonl";
    return location;
}

std::string owned_by_another_user(uid_t owner) {
    return "belongs to another user (" + describe_user(owner) + ")";
}

std::string give_back_hint(uid_t owner, const std::vector<std::filesystem::path>& paths) {
    uid_t me = ::geteuid();
    if (owner != 0 || me == 0 || paths.empty()) return "";
    std::string name = user_name(me);
    std::string to = name.empty() ? std::to_string(me) + ":" + std::to_string(::getegid()) : name + ":";
    std::string hint = "if sudo made it, give it back with: sudo chown -R " + shell_word(to);
    for (const std::filesystem::path& path : paths) hint += " " + shell_word(path.string());
    return hint;
}

std::string kind_of_file(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFDIR:
            return "a folder";
        case S_IFCHR:
            return "a character device";
        case S_IFBLK:
            return "a block device";
        case S_IFIFO:
            return "a named pipe";
        case S_IFSOCK:
            return "a socket";
        case S_IFLNK:
            return "a symbolic link";
        case S_IFREG:
            return "a regular file";
        default:
            return "not a regular file";
    }
}

}  // namespace jobctl::detail
