#pragma once
// A small tmpfs for tests of a full disk: mounted on a folder for one test,
// detached when the guard goes, even when the test failed. Mounting needs
// root (CAP_SYS_ADMIN); the tests skip themselves without it.

#include <cstddef>
#include <filesystem>
#include <string>

namespace jobctl::test {

class TmpfsMount {
public:
    // Creates `directory` if missing and mounts a tmpfs of `size` bytes on
    // it, its root mode 0700 and owned by us. mounted() says whether it worked.
    TmpfsMount(std::filesystem::path directory, std::size_t size);
    ~TmpfsMount();  // umount2(MNT_DETACH): never fails for a busy mount
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;

    bool mounted() const { return mounted_; }
    // Why it is not mounted: empty, or the error ("needs root" when not root).
    const std::string& why_not() const { return why_not_; }
    // True when mounting is impossible here at all (not root, or no
    // CAP_SYS_ADMIN in a container): skip the test rather than fail it.
    bool not_permitted() const { return not_permitted_; }
    const std::filesystem::path& path() const { return directory_; }

    // Writes zeros to `name` until no byte more fits; returns the file's path.
    std::filesystem::path fill(const std::string& name = "filler") const;

private:
    std::filesystem::path directory_;
    bool mounted_ = false;
    bool not_permitted_ = false;
    std::string why_not_;
};

// A /dev/shm of this process's own: a private mount namespace
// (unshare(CLONE_NEWNS), mounts made private) with a fresh tmpfs on
// /dev/shm, so that whatever the test does there (a simulated logout that
// deletes every shared-memory object) reaches nothing of other programs.
// Processes started meanwhile inherit it. The guard's end enters the
// original mount namespace again (the private one goes with its last
// process). Needs root (CAP_SYS_ADMIN) and a single-threaded process.
class PrivateDevShm {
public:
    PrivateDevShm();
    ~PrivateDevShm();
    PrivateDevShm(const PrivateDevShm&) = delete;
    PrivateDevShm& operator=(const PrivateDevShm&) = delete;

    bool entered() const { return entered_; }
    bool not_permitted() const { return not_permitted_; }
    const std::string& why_not() const { return why_not_; }
    // True while /dev/shm is still the private tmpfs this guard mounted.
    bool still_private() const;

private:
    int original_ = -1;  // the original mount namespace (/proc/self/ns/mnt)
    bool entered_ = false;
    bool not_permitted_ = false;
    std::string why_not_;
    unsigned long device_ = 0;  // st_dev of the private /dev/shm
};

}  // namespace jobctl::test
