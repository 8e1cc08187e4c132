#include "ssh/master_check.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "system/file_descriptor.hpp"

namespace jobctl::detail {
namespace {

constexpr std::uint32_t kHello = 0x00000001;
constexpr std::uint32_t kVersion = 4;
constexpr std::uint32_t kAliveCheck = 0x10000004;
constexpr std::uint32_t kAlive = 0x80000005;
constexpr std::uint32_t kRequest = 1;

void put(std::vector<unsigned char>& bytes, std::uint32_t value) {
    std::uint32_t network = htonl(value);
    const auto* raw = reinterpret_cast<const unsigned char*>(&network);
    bytes.insert(bytes.end(), raw, raw + 4);
}

std::uint32_t get(const unsigned char* bytes) {
    std::uint32_t network;
    std::memcpy(&network, bytes, 4);
    return ntohl(network);
}

// Exactly `size` bytes, or false (closed, or the deadline passed: `timed_out`).
bool read_exactly(int fd, unsigned char* into, std::size_t size, std::chrono::steady_clock::time_point until,
                  bool& timed_out) {
    for (std::size_t got = 0; got < size;) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        pollfd readable{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) == 0) {
            timed_out = true;
            return false;
        }
        ssize_t n = ::read(fd, into + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    return true;
}

// One message: its length, then its body (at most 64 KiB: a hello's extensions fit).
bool read_message(int fd, std::vector<unsigned char>& body, std::chrono::steady_clock::time_point until,
                  bool& timed_out) {
    unsigned char length[4];
    if (!read_exactly(fd, length, 4, until, timed_out)) return false;
    std::uint32_t size = get(length);
    if (size < 4 || size > 65536) return false;
    body.resize(size);
    return read_exactly(fd, body.data(), size, until, timed_out);
}

}  // namespace

MasterAnswer ask_master(const std::filesystem::path& socket, std::chrono::milliseconds deadline) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (socket.native().size() >= sizeof address.sun_path) return MasterAnswer::unknown;
    std::memcpy(address.sun_path, socket.c_str(), socket.native().size() + 1);
    FileDescriptor fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return MasterAnswer::unknown;
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        return errno == ENOENT || errno == ECONNREFUSED ? MasterAnswer::absent : MasterAnswer::unknown;
    std::vector<unsigned char> out;
    put(out, 8);
    put(out, kHello);
    put(out, kVersion);
    put(out, 8);
    put(out, kAliveCheck);
    put(out, kRequest);
    if (::send(fd.get(), out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size()))
        return MasterAnswer::unknown;
    auto until = std::chrono::steady_clock::now() + deadline;
    bool timed_out = false;
    std::vector<unsigned char> hello, answer;
    if (!read_message(fd.get(), hello, until, timed_out) || get(hello.data()) != kHello ||
        !read_message(fd.get(), answer, until, timed_out))
        return timed_out ? MasterAnswer::silent : MasterAnswer::unknown;
    bool alive = answer.size() >= 12 && get(answer.data()) == kAlive && get(answer.data() + 4) == kRequest;
    return alive ? MasterAnswer::alive : MasterAnswer::unknown;
}

}  // namespace jobctl::detail
