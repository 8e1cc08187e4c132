#include "terminal_style.hpp"

#include <unistd.h>

#include <cstdlib>

namespace jobctl::cli {

void add_color_option(CLI::App& command, ColorChoice& choice) {
    command
        .add_option_function<std::string>(
            "--color",
            [&choice](const std::string& when) {
                choice = when == "never"    ? ColorChoice::never
                         : when == "always" ? ColorChoice::always
                                            : ColorChoice::automatic;
            },
            "Colour the states: on a terminal unless NO_COLOR is set (auto), never, or always")
        ->check(CLI::IsMember({"never", "auto", "always"}))
        ->type_name("WHEN")
        ->default_str("auto");
}

bool use_color(ColorChoice choice, int fd) {
    if (choice != ColorChoice::automatic) return choice == ColorChoice::always;
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') return false;
    const char* term = std::getenv("TERM");
    if (term != nullptr && std::string_view(term) == "dumb") return false;
    return ::isatty(fd) == 1;
}

std::string colored(JobState state, std::string_view text, bool color) {
    if (!color) return std::string(text);
    std::string_view code;
    switch (state) {
        case JobState::completed:
            code = "32";
            break;  // green
        case JobState::failed:
            code = "31";
            break;  // red
        case JobState::stopping:
        case JobState::stopped:
            code = "33";
            break;  // yellow
        case JobState::running:
            code = "36";
            break;  // cyan
        case JobState::blocked:
        case JobState::suspending:
        case JobState::suspended:
            code = "35";
            break;  // magenta
        case JobState::not_started:
            return std::string(text);
    }
    return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
}

}  // namespace jobctl::cli
