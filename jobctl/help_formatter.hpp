#pragma once
// Help in words: an option's value is shown as N, NAME, TIME or DURATION,
// never as CLI11's types and checks ("UINT:UINT in [1 - 4096]", "TEXT:NAME").
// --help and the man pages (manual/) both show what this gives.

#include <CLI/CLI.hpp>
#include <string>

namespace jobctl::cli {

// The word for the value of `option`: the name its definition gives
// ("NAME", "DURATION"), else one for its type (N for a number, VALUE for
// text); with the values it takes when it takes only a few
// ("WHEN:{never,auto,always}" shows as "{never,auto,always}").
std::string value_placeholder(const CLI::Option& option);

class HelpFormatter : public CLI::Formatter {
public:
    // CLI11's " UINT:UINT in [1 - 4096] ..." with the placeholder in its place.
    std::string make_option_opts(const CLI::Option* option) const override;
};

}  // namespace jobctl::cli
