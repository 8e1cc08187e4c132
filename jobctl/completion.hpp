#pragma once
// Shell completion from the command line itself: the scripts in completions/
// call the hidden verb `jobctl __complete WORD...` and show what it prints.
// Verbs and options come from the same CLI11 app that parses a run (so they
// cannot drift from --help), job ids and names from the current repository.

#include <optional>
#include <string_view>

#include "jobctl/repository.hpp"

namespace jobctl::cli {

// Not a verb of --help: jobctl_main hands it over before parsing.
inline constexpr std::string_view kCompleteVerb = "__complete";

// `jobctl __complete WORD...`: the words after `jobctl`, the last one being
// the word under the cursor (empty for a new word). Prints one line saying
// what else the shell should offer (`none`, `files`, `directories` or
// `commands`), then one candidate a line, each followed by a tab and a
// short description when there is one. Never fails: a missing or unusable
// repository just offers no jobs; nothing is printed on stderr; exits 0.
int complete_main(int argc, char** argv);

// The repository of JOBCTL_REPOSITORY, only if it exists and opens:
// completing (and a bare `jobctl`) must never create one, nor fail because of one.
std::optional<Repository> existing_repository();

}  // namespace jobctl::cli
