#pragma once
// A repository's table mapped into this process (MAP_SHARED): a file that
// holds a SegmentHeader followed by `capacity` JobSlots.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "system/file_descriptor.hpp"
#include "table/mapping_guard.hpp"
#include "table/repository_location.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::detail {

// Slots [first, end), by index.
struct SlotRange {
    std::uint32_t first;
    std::uint32_t end;
};

class Segment {
public:
    // Opens the table, creating it if it does not exist with as many slots
    // as `capacity()` says (asked only then). The first open after a reboot
    // recovers it (recover_after_reboot). Throws Error(repository_unusable)
    // for a foreign or damaged table.
    static Segment open_or_create(const RepositoryLocation& location,
                                  const std::function<std::uint32_t()>& capacity);

    Segment(Segment&& other) noexcept;
    Segment& operator=(Segment&&) = delete;
    Segment(const Segment&) = delete;
    ~Segment();

    SegmentHeader& header() const { return *header_; }
    JobSlot* slots() const { return slots_of(header_); }
    // The heads of the name buckets (segment_layout.hpp, "The index").
    std::uint32_t* name_heads() const { return name_heads_of(header_, capacity_); }
    // As validated when opened (the mapping's size); never re-read from the
    // segment, where a damaged or hostile writer could change it.
    std::uint32_t capacity() const { return capacity_; }
    // The table file: its path, and the device and inode by which the maps of
    // a process show that it has the table mapped.
    const std::string& path() const { return path_; }
    dev_t device() const { return device_; }
    ino_t inode() const { return inode_; }

    // When to look at the file itself (one stat): a shrink that leaves the
    // pages in use mapped (or a file replaced) raises no SIGBUS.
    enum class LookAtFile {
        no,
        when_due,  // if a second has passed since this process last looked
        now        // before taking a job's absence for its removal
    };
    // Throws repository_unusable once the table was found shrunk under this
    // process (a SIGBUS on its mapping, table/mapping_guard.hpp) or when the
    // file at its path, looked at, is no longer the one mapped, whole:
    // truncated, replaced or removed.
    void check_intact(LookAtFile look = LookAtFile::no) const;

    // Disk blocks. The file has its whole size from the start, but it is
    // sparse: only the header has blocks at first, and slots get theirs as
    // they are first used (docs/decisions/0055-the-table-grows-on-disk.md).
    // A page of a MAP_SHARED file that is first written on a full disk
    // kills the writer with SIGBUS, and on tmpfs even a first read takes a
    // page: so no slot is read or written under the lock before its blocks
    // are reserved.
    //
    // Every slot below the returned index has its blocks, as far as this
    // process knows: those below the header's slot_limit (a writer reserves
    // a slot before it writes it, and slot_limit covers only slots written)
    // and those this process reserved. Under the lock, the answer holds
    // until the lock is let go.
    std::uint32_t reserved_slots() const;
    // Reserves the blocks of every slot below `end` that may lack them
    // (fallocate, rounded out to 64 KiB; nothing when they have them). Call
    // it without the lock: it may wait for the disk.
    // Errors: system ("no room on the disk...": ENOSPC, EDQUOT; others).
    void reserve_slots(std::uint32_t end);
    // The slots that can hold anything but zeros: every slot that lies
    // wholly in the file's data, not in its holes (all of them where the
    // filesystem cannot tell). What a repair scans: it never reads a hole.
    std::vector<SlotRange> slots_with_data() const;

    // The jobs this open ended because the machine rebooted ("lost at
    // reboot"), once: whose history lines the opener appends.
    std::vector<JobId> take_ended_at_reboot() { return std::exchange(ended_at_reboot_, {}); }

private:
    Segment(SegmentHeader* header, std::size_t size) : header_(header), size_(size) {}
    static bool try_open(const RepositoryLocation& location, Segment& out);

    // The table file opened again by its path, for fallocate and lseek: a
    // descriptor kept open would not survive a program that closes every
    // descriptor (a detached foreach host does), and its number might then
    // be another file's. Throws as check_intact once the path names another file.
    FileDescriptor open_again() const;

    SegmentHeader* header_;
    std::size_t size_;
    std::atomic<std::uint32_t> reserved_slots_{0};  // by this process
    std::uint32_t capacity_ = 0;
    std::string path_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
    std::optional<MappingGuard> guard_;
    mutable std::atomic<std::int64_t> file_looked_at_ns_{0};  // steady clock
    std::vector<JobId> ended_at_reboot_;
};

}  // namespace jobctl::detail
