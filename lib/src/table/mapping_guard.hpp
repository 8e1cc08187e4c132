#pragma once
// A table file shrunk (or truncated to nothing) while this process maps it
// must not kill the process: a touch of a page past the file's new end
// raises SIGBUS, which kills by default. The guard's SIGBUS handler puts
// zeroed private pages over the whole mapping of such a table and marks it
// lost; the faulting access then goes on, reading zeros, and the table's
// next check (Segment::check_intact) turns the loss into repository_unusable.
// A SIGBUS at any other address is handed to whatever handled it before.

#include <cstddef>

namespace jobctl::detail {

class MappingGuard {
public:
    // Guards [address, address + size); the first guard installs the handler.
    MappingGuard(void* address, std::size_t size);
    ~MappingGuard();
    MappingGuard(MappingGuard&& other) noexcept;
    MappingGuard& operator=(MappingGuard&&) = delete;
    MappingGuard(const MappingGuard&) = delete;

    // True once a SIGBUS hit the mapping (it is zeros now).
    bool lost() const;

private:
    int entry_ = -1;  // in the handler's table of guarded mappings; -1: none (too many)
};

}  // namespace jobctl::detail
