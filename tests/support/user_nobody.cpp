#include "user_nobody.hpp"

#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace jobctl::test {

std::string become_nobody(const std::string& home) {
    if (::chown(home.c_str(), kNobody, kNogroup) != 0) return "chown " + home + ": " + std::strerror(errno);
    // The group first: once the user is nobody, it may change it no more.
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kNogroup, kNogroup, kNogroup) != 0 ||
        ::setresuid(kNobody, kNobody, kNobody) != 0)
        return std::string("becoming nobody: ") + std::strerror(errno);
    return "";
}

}  // namespace jobctl::test
