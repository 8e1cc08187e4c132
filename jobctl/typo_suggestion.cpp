#include "typo_suggestion.hpp"

#include <sstream>
#include <vector>

#include "nearest_word.hpp"

namespace jobctl::cli {
namespace {

// The options (for a word with a dash) or verbs (without) of `command`.
std::vector<std::string> names_in(const CLI::App& command, bool options) {
    std::vector<std::string> names;
    if (!options) {
        for (const CLI::App* sub :
             command.get_subcommands([](const CLI::App* sub) { return !sub->get_group().empty(); }))
            names.push_back(sub->get_name());
        return names;
    }
    for (const CLI::Option* option : command.get_options()) {
        for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
        for (const std::string& name : option->get_snames()) names.push_back("-" + name);
    }
    return names;
}

}  // namespace

std::string typo_suggestion(const CLI::App& command, const CLI::ParseError& error) {
    if (dynamic_cast<const CLI::ExtrasError*>(&error) == nullptr) return "";
    std::string what = error.what();
    std::istringstream words(what.substr(what.find(": ") + 2));
    for (std::string word; words >> word;) {
        bool option = word.starts_with("-");
        std::string near = nearest_word(word.substr(0, word.find('=')), names_in(command, option));
        if (!near.empty()) return "; did you mean '" + near + "'?";
    }
    return "";
}

}  // namespace jobctl::cli
