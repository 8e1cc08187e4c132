#include "jobctl/error.hpp"

#include <cstring>

namespace jobctl {

void throw_system_error(const std::string& what, int errno_value) {
    throw Error(ErrorCode::system, what + ": " + std::strerror(errno_value));
}

}  // namespace jobctl
