#pragma once
// A repository's table mapped into this process (MAP_SHARED): a file that
// holds a SegmentHeader followed by `capacity` JobSlots.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "table/mapping_guard.hpp"
#include "table/repository_location.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::detail {

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

private:
    Segment(SegmentHeader* header, std::size_t size) : header_(header), size_(size) {}
    static bool try_open(const RepositoryLocation& location, Segment& out);

    SegmentHeader* header_;
    std::size_t size_;
    std::uint32_t capacity_ = 0;
    std::string path_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
    std::optional<MappingGuard> guard_;
    mutable std::atomic<std::int64_t> file_looked_at_ns_{0};  // steady clock
};

}  // namespace jobctl::detail
