#pragma once
// User nobody, for tests of what an unprivileged user gets (run as root).

#include <sys/types.h>

#include <string>

namespace jobctl::test {

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

// Gives `home` to nobody, then makes this process nobody for good (real,
// effective and saved ids, no supplementary groups): what it starts runs
// as nobody too. Returns why it could not, or "" once it is nobody. Only
// for a process that runs one test (ctest runs each in its own).
std::string become_nobody(const std::string& home);

}  // namespace jobctl::test
