#pragma once
// Colour on a terminal: states in get, wait and watch. --color
// never|auto|always; auto colours only a terminal, and never when NO_COLOR
// is set (https://no-color.org) or TERM is dumb.

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"

namespace jobctl::cli {

enum class ColorChoice { never, automatic, always };

// --color WHEN, default auto.
void add_color_option(CLI::App& command, ColorChoice& choice);

// Whether to colour what goes to descriptor `fd`.
bool use_color(ColorChoice choice, int fd);

// `text` in the colour of `state`: green Completed, red Failed, yellow
// Stopping and Stopped, cyan Running, magenta Blocked and the suspend
// states, none for NotStarted. Unchanged when `color` is false.
std::string colored(JobState state, std::string_view text, bool color);

}  // namespace jobctl::cli
