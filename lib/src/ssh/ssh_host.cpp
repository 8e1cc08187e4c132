#include "ssh/ssh_host.hpp"

#include <algorithm>

#include "jobctl/error.hpp"

namespace jobctl::detail {
namespace {

[[noreturn]] void refuse(std::string_view text, const std::string& why) {
    throw Error(ErrorCode::invalid_argument, "bad ssh host '" + std::string(text) + "': " + why);
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::ranges::all_of(text, [](char c) { return c >= '0' && c <= '9'; });
}

void check_port(std::string_view text, std::string_view port) {
    if (!all_digits(port) || port.size() > 5 || std::stoul(std::string(port)) == 0 ||
        std::stoul(std::string(port)) > 65535)
        refuse(text, "the port must be a number from 1 to 65535");
}

}  // namespace

SshHost parse_ssh_host(std::string_view text) {
    if (text.empty()) refuse(text, "empty (give --on ssh:HOST[,HOST...])");
    // A job's Location holds 63 bytes: a longer host could not be told apart there.
    if (text.size() > 63) refuse(text.substr(0, 40), "longer than 63 bytes (name it in ~/.ssh/config)");
    if (text.front() == '-') refuse(text, "a host cannot start with '-'");
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte <= ' ' || byte >= 0x7f || c == '\'' || c == '"' || c == '\\' || c == ',')
            refuse(text, "a host is printable ASCII without spaces, quotes or commas");
    }
    SshHost host{std::string(text), "", std::string(text)};
    if (text.front() == '[') {  // [v6-address]:port or [v6-address]
        std::size_t close = text.find(']');
        if (close == std::string_view::npos) refuse(text, "no ']' after the address");
        host.destination = std::string(text.substr(1, close - 1));
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') refuse(text, "only ':PORT' may follow ']'");
            check_port(text, rest.substr(1));
            host.port = std::string(rest.substr(1));
        }
    } else if (std::ranges::count(text, ':') == 1) {  // host:port (more colons: a v6 address)
        std::size_t colon = text.find(':');
        check_port(text, text.substr(colon + 1));
        host.destination = std::string(text.substr(0, colon));
        host.port = std::string(text.substr(colon + 1));
    }
    std::size_t at = host.destination.rfind('@');
    std::string_view machine = std::string_view(host.destination).substr(at + 1);
    if (host.destination.empty() || machine.empty()) refuse(text, "no host name");
    if (at == 0) refuse(text, "no user before '@'");
    return host;
}

std::vector<SshHost> parse_ssh_hosts(const std::vector<std::string>& texts) {
    std::vector<SshHost> hosts;
    for (const std::string& text : texts) {
        hosts.push_back(parse_ssh_host(text));
        for (std::size_t i = 0; i + 1 < hosts.size(); ++i)
            if (hosts[i].text == text) refuse(text, "named twice");
    }
    return hosts;
}

}  // namespace jobctl::detail
