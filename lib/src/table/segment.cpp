#include "table/segment.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>

#include "jobctl/error.hpp"
#include "system/boot_id.hpp"
#include "system/file_descriptor.hpp"
#include "table/crash_points.hpp"
#include "table/segment_lock.hpp"
#include "table/slot_sequence.hpp"

namespace jobctl::detail {
namespace {

[[noreturn]] void throw_unusable(const RepositoryLocation& location, const std::string& why) {
    throw Error(ErrorCode::repository_unusable, "repository '" + location.name + "' is unusable: " + why);
}

// A table to remove to start afresh: the file in jobctl's own folder of the
// home, or one given by path that is a jobctl table (its magic says so).
// Never advised for anything else: a path may name any file of the user's.
[[noreturn]] void throw_damaged(const RepositoryLocation& location, const std::string& why, bool a_table) {
    bool in_home = location.name.find('/') == std::string::npos;
    if (!in_home && !a_table) throw_unusable(location, location.table.string() + " is not a jobctl table");
    throw_unusable(location,
                   why + " (remove " + location.table.string() + " to start afresh; its jobs are lost)");
}

// A table file must be a regular file of this user, closed to others: what
// lstat (before it is opened: opening a device may do something, a tape
// rewinds) and then fstat (what was opened) say of it.
void check_table_file(const RepositoryLocation& location, const struct stat& status) {
    const std::string path = location.table.string();
    if (!S_ISREG(status.st_mode))
        throw_unusable(location, path + " is " + kind_of_file(status.st_mode) + ", not a jobctl table");
    if (status.st_uid != ::geteuid()) {
        // What to give back: the repository's folder in the home (the
        // table and the output in it), or a table given by path and its output.
        std::vector<std::filesystem::path> paths{location.table};
        if (location.name.find('/') == std::string::npos) {
            paths = {location.table.parent_path()};
        } else if (std::error_code ignored; std::filesystem::exists(location.spool, ignored)) {
            paths.push_back(location.spool);
        }
        std::string hint = give_back_hint(status.st_uid, paths);
        throw_unusable(location, "its table " + path + " " + owned_by_another_user(status.st_uid) +
                                     ", and jobctl does not use another user's table" +
                                     (hint.empty() ? "" : "; " + hint));
    }
    if ((status.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(status.st_mode & 0777));
        throw_unusable(location, "its table " + path + " is open to other users (mode " + mode +
                                     "), and jobctl uses only a table closed to them (chmod go= it)");
    }
}

void* map_file(int fd, std::size_t size) {
    void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) throw_system_error("mmap of the repository segment", errno);
    return address;
}

void init_header(SegmentHeader* header, std::uint32_t capacity, const std::string& boot_id) {
    new (header) SegmentHeader{};
    header->layout_version = kLayoutVersion;
    header->header_size = sizeof(SegmentHeader);
    header->slot_size = sizeof(JobSlot);
    header->capacity = capacity;
    header->next_id = 1;
    copy_truncated(header->boot_id, boot_id);
    init_robust_mutex(header->lock);
    header->magic = kSegmentMagic;  // last: marks the header complete
}

constexpr std::size_t kReserveStep = 64 * 1024;  // slots' blocks are reserved this much at a time

std::size_t page_size() {
    static const auto size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

std::size_t slot_offset(std::uint32_t index) {
    return sizeof(SegmentHeader) + std::size_t{index} * sizeof(JobSlot);
}

// Zeros over the whole file, so that every block of it is allocated now.
bool write_zeros(int fd, std::size_t size) {
    static const char zeros[64 * 1024] = {};
    for (std::size_t offset = 0; offset < size;) {
        ssize_t written =
            ::pwrite(fd, zeros, std::min(sizeof zeros, size - offset), static_cast<off_t>(offset));
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return false;
        offset += static_cast<std::size_t>(written);
    }
    return true;
}

// A new table has its whole size, but blocks only for the pages of its
// header (and of the first slot, which shares them) and of the name
// buckets' heads after the slots (any of them may be written, whatever
// slots are used): each slot gets its own when it is first used
// (Segment::reserve_slots). A filesystem without
// fallocate gets the whole file written instead, so that its blocks are
// allocated now, as every table's were before (and reserve_slots, finding
// no fallocate either, has nothing to do).
bool size_new_table(int fd, std::uint32_t capacity) {
    const std::size_t size = segment_size(capacity);
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return false;
    std::size_t header_pages =
        std::min(size, (sizeof(SegmentHeader) + page_size() - 1) / page_size() * page_size());
    std::size_t heads_from = name_heads_pages_from(capacity, page_size());
    if (::fallocate(fd, 0, 0, static_cast<off_t>(header_pages)) == 0 &&
        ::fallocate(fd, 0, static_cast<off_t>(heads_from), static_cast<off_t>(size - heads_from)) == 0)
        return true;
    if (errno != EOPNOTSUPP && errno != ENOSYS) return false;
    return write_zeros(fd, size);
}

// The slots wholly in the file's data (SEEK_DATA, SEEK_HOLE). A hole reads
// as zeros, and so does a slot that a hole cuts: a slot is reserved whole
// before it is written. Where the filesystem cannot tell, every slot.
std::vector<SlotRange> slots_holding_data(int fd, std::uint32_t capacity) {
    const std::vector<SlotRange> every_slot{{0, capacity}};
    const std::size_t size = slot_offset(capacity);
    std::vector<SlotRange> ranges;
    auto position = static_cast<off_t>(sizeof(SegmentHeader));
    while (static_cast<std::size_t>(position) < size) {
        off_t data = ::lseek(fd, position, SEEK_DATA);
        if (data < 0) {
            if (errno == ENXIO) break;  // nothing but a hole from `position` to the end
            return every_slot;
        }
        off_t hole = ::lseek(fd, data, SEEK_HOLE);
        if (hole < 0 || hole <= data) return every_slot;
        auto from = static_cast<std::size_t>(data) - sizeof(SegmentHeader);
        auto to = std::min(static_cast<std::size_t>(hole), size) - sizeof(SegmentHeader);
        auto first = static_cast<std::uint32_t>((from + sizeof(JobSlot) - 1) / sizeof(JobSlot));
        auto end = static_cast<std::uint32_t>(to / sizeof(JobSlot));
        if (first < end) {
            if (!ranges.empty() && ranges.back().end >= first)
                ranges.back().end = std::max(ranges.back().end, end);
            else
                ranges.push_back({first, end});
        }
        position = hole;
    }
    return ranges;
}

// Builds a complete segment under a temporary name, then links it into place:
// a segment visible under its real name is always fully initialised.
void create_segment(const RepositoryLocation& location, std::uint32_t capacity) {
    if (capacity == 0 || capacity > kMaxCapacity)
        throw Error(ErrorCode::invalid_argument,
                    "repository capacity must be between 1 and " + std::to_string(kMaxCapacity));
    const std::string table = location.table.string();
    std::string temporary =
        (location.table.parent_path() / ("." + location.table.filename().string() + ".XXXXXX")).string();
    FileDescriptor fd(::mkostemp(temporary.data(), O_CLOEXEC));
    if (!fd) throw_system_error("cannot create " + temporary, errno);
    std::size_t size = segment_size(capacity);
    int error = ::fchmod(fd.get(), 0600) == 0 && size_new_table(fd.get(), capacity) ? 0 : errno;
    if (error == 0) {
        void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
        if (address == MAP_FAILED) {
            error = errno;
        } else {
            init_header(static_cast<SegmentHeader*>(address), capacity, current_boot_id());
            ::munmap(address, size);
            if (::link(temporary.c_str(), table.c_str()) != 0 && errno != EEXIST) error = errno;
        }
    }
    ::unlink(temporary.c_str());
    if (error != 0) throw_system_error("cannot create the repository's table " + table, error);
}

void check_header(const RepositoryLocation& name, const SegmentHeader& header, std::size_t file_size) {
    if (header.magic != kSegmentMagic) throw_damaged(name, "not a jobctl repository (bad magic)", false);
    if (header.layout_version != kLayoutVersion)
        throw_damaged(name,
                      "made by an incompatible jobctl (layout version " +
                          std::to_string(header.layout_version) + ", this one reads " +
                          std::to_string(kLayoutVersion) + ")",
                      true);
    if (header.header_size != sizeof(SegmentHeader) || header.slot_size != sizeof(JobSlot) ||
        header.capacity == 0 || header.capacity > kMaxCapacity || segment_size(header.capacity) != file_size)
        throw_damaged(name, "damaged header (sizes do not match)", true);
}

bool same_boot(const SegmentHeader& header, const std::string& boot_id) {
    bool same = read_field(header.boot_id) == boot_id;
    std::atomic_thread_fence(std::memory_order_acquire);  // pairs with recover_after_reboot's release
    return same;
}

// The first open after a reboot recovers the table; the file lock makes it
// exactly one process, and the others, once it is theirs, find it done.
// Returns the ids of the jobs it ended ("lost at reboot").
std::vector<JobId> recover_if_rebooted(int fd, SegmentHeader& header, std::uint32_t capacity) {
    std::string boot_id = current_boot_id();
    if (same_boot(header, boot_id)) return {};
    while (::flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) throw_system_error("cannot lock the repository's table file", errno);
    std::vector<JobId> ended;
    try {
        if (!same_boot(header, boot_id))
            ended = recover_after_reboot(header, capacity, boot_id, slots_holding_data(fd, capacity));
    } catch (...) {
        ::flock(fd, LOCK_UN);
        throw;
    }
    ::flock(fd, LOCK_UN);
    return ended;
}

// O_NOATIME: every mmap of the file updates its atime (relatime: each write
// to the table updates the mtime, so the atime is always older), which on a
// disk filesystem is a journal transaction per process. Only the file's
// owner may ask for it; anyone else gets EPERM, and the checks below refuse them.
int open_table(const std::filesystem::path& table) {
    int fd = ::open(table.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOATIME);
    if (fd < 0 && errno == EPERM) fd = ::open(table.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    return fd;
}

}  // namespace

bool Segment::try_open(const RepositoryLocation& name, Segment& out) {
    struct stat status {};
    if (::lstat(name.table.c_str(), &status) != 0) {
        int error = errno;
        if (error == ENOENT) return false;
        if (error == EACCES || error == ENOTDIR)
            throw_unusable(name, "its table " + name.table.string() + " cannot be reached (" +
                                     std::strerror(error) + ")");
        throw_system_error("cannot look at " + name.table.string(), error);
    }
    check_table_file(name, status);
    FileDescriptor fd(open_table(name.table));
    if (!fd) {
        int error = errno;
        if (error == ENOENT) return false;
        // Changed since it was looked at (a symlink or folder put in its place), or closed to us.
        if (error == ELOOP)
            throw_unusable(name, name.table.string() + " is a symbolic link, not a jobctl table");
        if (error == EISDIR) throw_unusable(name, name.table.string() + " is a folder, not a jobctl table");
        if (error == EACCES || error == EPERM)
            throw_unusable(name, "its table " + name.table.string() + " cannot be opened for writing (" +
                                     std::strerror(error) + ")");
        throw_system_error("cannot open " + name.table.string(), error);
    }
    if (::fstat(fd.get(), &status) != 0) throw_system_error("cannot stat " + name.table.string(), errno);
    check_table_file(name, status);
    auto size = static_cast<std::size_t>(status.st_size);
    if (size < sizeof(SegmentHeader)) throw_damaged(name, "damaged (too small)", false);
    auto* header = static_cast<SegmentHeader*>(map_file(fd.get(), size));
    // From the first touch on: the file may shrink at any time.
    std::optional<MappingGuard> guard(std::in_place, header, size);
    try {
        check_header(name, *header, size);
        out.ended_at_reboot_ = recover_if_rebooted(fd.get(), *header, header->capacity);
        if (!has_robust_mutex_kind(header->lock))
            throw_damaged(name, "damaged lock (not a robust, process-shared mutex)", true);
        if (guard->lost()) throw_damaged(name, "damaged (it shrank while being opened)", true);
    } catch (...) {
        guard.reset();
        ::munmap(header, size);
        throw;
    }
    out.header_ = header;
    out.size_ = size;
    out.capacity_ = header->capacity;
    out.path_ = name.table.string();
    out.device_ = status.st_dev;
    out.inode_ = status.st_ino;
    out.guard_.emplace(std::move(*guard));
    return true;
}

Segment Segment::open_or_create(const RepositoryLocation& location,
                                const std::function<std::uint32_t()>& capacity) {
    arm_pause_from_environment();  // a test seam: nothing unless JOBCTL_TEST_PAUSE names this program
    Segment segment(nullptr, 0);
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (try_open(location, segment)) return segment;
        create_segment(location, capacity());  // loses a creation race harmlessly (EEXIST)
    }
    throw_system_error("cannot open the repository's table " + location.table.string(), ENOENT);
}

Segment::Segment(Segment&& other) noexcept
    : header_(other.header_),
      size_(other.size_),
      reserved_slots_(other.reserved_slots_.load()),
      capacity_(other.capacity_),
      path_(std::move(other.path_)),
      device_(other.device_),
      inode_(other.inode_),
      guard_(std::move(other.guard_)),
      file_looked_at_ns_(other.file_looked_at_ns_.load()),
      ended_at_reboot_(std::move(other.ended_at_reboot_)) {
    other.header_ = nullptr;
    other.guard_.reset();
}

Segment::~Segment() {
    guard_.reset();  // first: the addresses may be another mapping's next
    if (header_ != nullptr) ::munmap(header_, size_);
}

void Segment::check_intact(LookAtFile look) const {
    bool lost = guard_ && guard_->lost();
    bool look_now = look == LookAtFile::now;
    if (!lost && look == LookAtFile::when_due) {
        std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
        std::int64_t last = file_looked_at_ns_.load(std::memory_order_relaxed);
        look_now = now - last >= 1'000'000'000 && file_looked_at_ns_.compare_exchange_strong(last, now);
    }
    if (!lost && look_now) {
        struct stat status {};
        lost = ::stat(path_.c_str(), &status) != 0 || status.st_dev != device_ || status.st_ino != inode_ ||
               static_cast<std::size_t>(status.st_size) < size_;
    }
    if (lost)
        throw Error(
            ErrorCode::repository_unusable,
            "the repository's table " + path_ +
                " was truncated, replaced or removed while in use; nothing more can be recorded in it");
}

std::uint32_t Segment::reserved_slots() const {
    return std::max(reserved_slots_.load(std::memory_order_acquire),
                    std::min(load_word(header_->slot_limit), capacity_));
}

void Segment::reserve_slots(std::uint32_t end) {
    end = std::min(end, capacity_);
    // Without the lock: a slot_limit that grows meanwhile covers slots that
    // their writer reserved before it wrote them.
    std::uint32_t first = reserved_slots();
    if (first >= end) return;
    const std::size_t page = page_size();
    std::size_t begin = slot_offset(first) / page * page;
    // 64 KiB at a time, so that most starts find their slot reserved; on a
    // disk too full for that, the pages the slots need and no more.
    std::size_t exact = std::min(size_, (slot_offset(end) + page - 1) / page * page);
    std::size_t stop = std::min(size_, (slot_offset(end) + kReserveStep - 1) / kReserveStep * kReserveStep);
    FileDescriptor file = open_again();
    auto reserve = [&](std::size_t to) {
        // KEEP_SIZE: a table truncated under us is not made to grow again.
        int result = 0;
        do {
            result = ::fallocate(file.get(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(begin),
                                 static_cast<off_t>(to - begin));
        } while (result != 0 && errno == EINTR);
        return result == 0 ? 0 : errno;
    };
    int error = reserve(stop);
    if ((error == ENOSPC || error == EDQUOT) && exact < stop) {
        stop = exact;
        error = reserve(stop);
    }
    std::uint32_t reserved =
        stop == size_ ? capacity_
                      : static_cast<std::uint32_t>((stop - sizeof(SegmentHeader)) / sizeof(JobSlot));
    if (error == ENOSPC || error == EDQUOT)
        throw Error(ErrorCode::system, "no room on the disk for another job in " + path_ + " (" +
                                           std::strerror(error) + "); free some space and try again");
    if (error == EOPNOTSUPP || error == ENOSYS)
        reserved = capacity_;  // no fallocate here: create_segment wrote the whole file
    else if (error != 0)
        throw_system_error("cannot reserve disk space for the repository's table " + path_, error);
    std::uint32_t known = reserved_slots_.load(std::memory_order_relaxed);
    while (known < reserved &&
           !reserved_slots_.compare_exchange_weak(known, reserved, std::memory_order_release)) {
    }
}

std::vector<SlotRange> Segment::slots_with_data() const {
    FileDescriptor file(open_table(path_));
    struct stat status {};
    // Not the file mapped any more (check_intact will say so): every slot.
    if (!file || ::fstat(file.get(), &status) != 0 || status.st_dev != device_ || status.st_ino != inode_)
        return {{0, capacity_}};
    return slots_holding_data(file.get(), capacity_);
}

FileDescriptor Segment::open_again() const {
    FileDescriptor file(open_table(path_));
    if (!file && errno != ENOENT) throw_system_error("cannot open the repository's table " + path_, errno);
    struct stat status {};
    if (!file || ::fstat(file.get(), &status) != 0 || status.st_dev != device_ || status.st_ino != inode_ ||
        static_cast<std::size_t>(status.st_size) < size_) {
        check_intact(LookAtFile::now);  // replaced, removed or truncated: says so
        throw_system_error("cannot open the repository's table " + path_, ESTALE);
    }
    return file;
}

}  // namespace jobctl::detail
