#include "table/segment.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <new>
#include <optional>

#include "jobctl/error.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {
namespace {

constexpr const char* kShmDirectory = "/dev/shm/";

[[noreturn]] void throw_unusable(const std::string& name, const std::string& why) {
    throw Error(ErrorCode::repository_unusable,
                "repository '" + name + "' is unusable: " + why + " (remove " +
                    Segment::path_of(name) + " to start afresh; its jobs are lost)");
}

void* map_file(int fd, std::size_t size) {
    void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) throw_system_error("mmap of the repository segment", errno);
    return address;
}

void init_header(SegmentHeader* header, std::uint32_t capacity) {
    new (header) SegmentHeader{};
    header->layout_version = kLayoutVersion;
    header->header_size = sizeof(SegmentHeader);
    header->slot_size = sizeof(JobSlot);
    header->capacity = capacity;
    header->next_id = 1;
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&header->lock, &attributes);
    pthread_mutexattr_destroy(&attributes);
    header->magic = kSegmentMagic;  // last: marks the header complete
}

// Builds a complete segment under a temporary name, then links it into place:
// a segment visible under its real name is always fully initialised.
void create_segment(const std::string& name, std::uint32_t capacity) {
    if (capacity == 0 || capacity > kMaxCapacity)
        throw Error(ErrorCode::invalid_argument,
                    "repository capacity must be between 1 and " + std::to_string(kMaxCapacity));
    std::string temporary = std::string(kShmDirectory) + "." + name + ".XXXXXX";
    FileDescriptor fd(::mkostemp(temporary.data(), O_CLOEXEC));
    if (!fd) throw_system_error("cannot create " + temporary, errno);
    std::size_t size = segment_size(capacity);
    int error = ::fchmod(fd.get(), 0600) == 0 && ::ftruncate(fd.get(), static_cast<off_t>(size)) == 0 ? 0 : errno;
    if (error == 0) {
        void* address = map_file(fd.get(), size);
        init_header(static_cast<SegmentHeader*>(address), capacity);
        ::munmap(address, size);
        if (::link(temporary.c_str(), Segment::path_of(name).c_str()) != 0 && errno != EEXIST)
            error = errno;
    }
    ::unlink(temporary.c_str());
    if (error != 0) throw_system_error("cannot create repository segment " + Segment::path_of(name), error);
}

void check_header(const std::string& name, const SegmentHeader& header, std::size_t file_size) {
    if (header.magic != kSegmentMagic) throw_unusable(name, "not a jobctl repository (bad magic)");
    if (header.layout_version != kLayoutVersion)
        throw_unusable(name, "made by an incompatible jobctl (layout version " +
                                 std::to_string(header.layout_version) + ", this one reads " +
                                 std::to_string(kLayoutVersion) + ")");
    if (header.header_size != sizeof(SegmentHeader) || header.slot_size != sizeof(JobSlot) ||
        header.capacity == 0 || header.capacity > kMaxCapacity ||
        segment_size(header.capacity) != file_size)
        throw_unusable(name, "damaged header (sizes do not match)");
}

}  // namespace

std::string Segment::path_of(const std::string& name) { return kShmDirectory + name; }

void Segment::check_name(const std::string& name) {
    bool valid = !name.empty() && name.size() <= 200 && name[0] != '.';
    for (char c : name)
        valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    if (!valid)
        throw Error(ErrorCode::invalid_argument,
                    "invalid repository name '" + name +
                        "': use 1-200 letters, digits, '-', '_' or '.', not starting with '.'");
}

bool Segment::try_open(const std::string& name, Segment& out) {
    FileDescriptor fd(::open(path_of(name).c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return false;
        if (errno == EACCES || errno == ELOOP)
            throw_unusable(name, "it belongs to another user or is not a regular file");
        throw_system_error("cannot open " + path_of(name), errno);
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) throw_system_error("cannot stat " + path_of(name), errno);
    if (!S_ISREG(status.st_mode)) throw_unusable(name, "not a regular file");
    if (status.st_uid != ::geteuid()) throw_unusable(name, "it belongs to another user");
    if ((status.st_mode & 077) != 0) throw_unusable(name, "its mode lets other users in");
    auto size = static_cast<std::size_t>(status.st_size);
    if (size < sizeof(SegmentHeader)) throw_unusable(name, "damaged (too small)");
    auto* header = static_cast<SegmentHeader*>(map_file(fd.get(), size));
    try {
        check_header(name, *header, size);
    } catch (...) {
        ::munmap(header, size);
        throw;
    }
    out.header_ = header;
    out.size_ = size;
    out.capacity_ = header->capacity;
    return true;
}

Segment Segment::open_or_create(const std::string& name, const std::function<std::uint32_t()>& capacity) {
    check_name(name);
    Segment segment(nullptr, 0);
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (try_open(name, segment)) return segment;
        create_segment(name, capacity());  // loses a creation race harmlessly (EEXIST)
    }
    throw_system_error("cannot open repository segment " + path_of(name), ENOENT);
}

bool Segment::unlink(const std::string& name) {
    check_name(name);
    return ::unlink(path_of(name).c_str()) == 0;
}

Segment::Segment(Segment&& other) noexcept
    : header_(other.header_), size_(other.size_), capacity_(other.capacity_) {
    other.header_ = nullptr;
}

Segment::~Segment() {
    if (header_ != nullptr) ::munmap(header_, size_);
}

}  // namespace jobctl::detail
