#pragma once
// A repository segment mapped into this process: a file in /dev/shm that
// holds a SegmentHeader followed by `capacity` JobSlots.

#include <cstdint>
#include <functional>
#include <string>

#include "table/segment_layout.hpp"

namespace jobctl::detail {

class Segment {
public:
    // Opens the named segment, creating it if it does not exist with as many
    // slots as `capacity()` says (asked only then). Throws
    // Error(repository_unusable) for a foreign or damaged segment.
    static Segment open_or_create(const std::string& name, const std::function<std::uint32_t()>& capacity);
    // Unlinks the segment; returns false if there was none.
    static bool unlink(const std::string& name);
    static std::string path_of(const std::string& name);
    static void check_name(const std::string& name);

    Segment(Segment&& other) noexcept;
    Segment& operator=(Segment&&) = delete;
    Segment(const Segment&) = delete;
    ~Segment();

    SegmentHeader& header() const { return *header_; }
    JobSlot* slots() const { return slots_of(header_); }
    // As validated when opened (the mapping's size); never re-read from the
    // segment, where a damaged or hostile writer could change it.
    std::uint32_t capacity() const { return capacity_; }

private:
    Segment(SegmentHeader* header, std::size_t size) : header_(header), size_(size) {}
    static bool try_open(const std::string& name, Segment& out);

    SegmentHeader* header_;
    std::size_t size_;
    std::uint32_t capacity_ = 0;
};

}  // namespace jobctl::detail
