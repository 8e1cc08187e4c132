#include "completion.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job_queue.hpp"
#include "jobctl/repository.hpp"
#include "jobctl_app.hpp"

namespace jobctl::cli {
namespace {

// What the shell offers besides the candidates.
enum class Fallback { none, files, directories, commands };

struct Candidate {
    std::string word;
    std::string description;
};

struct Completion {
    Fallback fallback = Fallback::none;
    std::vector<Candidate> candidates;
};

// One line: a description may not hold tabs or line breaks.
std::string one_line(std::string_view text) {
    std::string line(text.substr(0, text.find('\n')));
    std::ranges::replace(line, '\t', ' ');
    return line;
}

CLI::App* verb_named(CLI::App& app, const std::string& word) {
    for (CLI::App* verb : visible_verbs(app))
        if (verb->check_name(word)) return verb;
    return nullptr;
}

bool takes_value(const CLI::Option& option) {
    return option.get_expected_max() > 0;  // flags expect none
}

std::vector<Candidate> job_candidates() {
    std::vector<Candidate> candidates;
    auto repository = existing_repository();
    if (!repository) return candidates;
    std::map<std::string, std::string> ids_by_name;
    for (const JobInfo& job : repository->list()) {
        candidates.push_back({std::to_string(job.id), job.name + " " + std::string(to_string(job.state))});
        std::string& ids = ids_by_name[job.name];
        ids += (ids.empty() ? "job " : ", ") + std::to_string(job.id);
    }
    for (const auto& [name, ids] : ids_by_name) candidates.push_back({name, ids});
    return candidates;
}

std::vector<Candidate> queue_candidates() {
    std::vector<Candidate> candidates;
    if (auto repository = existing_repository())
        for (const QueueInfo& queue : list_queues(*repository))
            candidates.push_back({queue.name, std::to_string(queue.slots) + " slot(s)"});
    return candidates;
}

std::vector<Candidate> state_candidates() {
    std::vector<Candidate> candidates;
    for (int value = 0; value < 256; ++value) {  // every state the library can name
        auto state = static_cast<JobState>(value);
        if (std::string_view name = to_string(state); parse_job_state(name) == state)
            candidates.push_back({std::string(name), ""});
    }
    return candidates;
}

// The values a validator lists in the option's type name: "TEXT:{never,auto,always}".
std::vector<Candidate> listed_values(const CLI::Option& option) {
    std::vector<Candidate> candidates;
    std::string type = option.get_type_name();
    auto open = type.find('{'), close = type.find('}', open);
    if (open == std::string::npos || close == std::string::npos) return candidates;
    std::string list = type.substr(open + 1, close - open - 1);
    for (std::size_t start = 0; start <= list.size();) {
        std::size_t end = std::min(list.find(',', start), list.size());
        if (end > start) candidates.push_back({list.substr(start, end - start), ""});
        start = end + 1;
    }
    return candidates;
}

// Values of `option` of `verb`. Those that take a comma-separated list get
// the part before the last comma kept as a prefix.
Completion value_completion(const CLI::App& verb, const CLI::Option& option, std::string& prefix,
                            std::string& current) {
    const auto& names = option.get_lnames();
    auto named = [&](std::string_view name) { return std::ranges::find(names, name) != names.end(); };
    bool list = false;
    Completion completion;
    if (named("state")) {
        completion.candidates = state_candidates(), list = true;
    } else if (named("after") && verb.get_name() == "start") {
        completion.candidates = job_candidates(), list = true;
    } else if (named("queue")) {
        completion.candidates = queue_candidates();
    } else if (named("job") && verb.get_name() == "queue") {
        completion.candidates = job_candidates();  // a foreach run's parent
    } else if (named("cwd")) {
        completion.fallback = Fallback::directories;
    } else if (named("stdin")) {
        completion.fallback = Fallback::files;
    } else {
        completion.candidates = listed_values(option);
    }
    if (list)
        if (auto comma = current.rfind(','); comma != std::string::npos) {
            prefix += current.substr(0, comma + 1);
            current.erase(0, comma + 1);
        }
    return completion;
}

Completion complete(std::vector<std::string> words) {
    int exit_code = 0;
    std::unique_ptr<CLI::App> root = make_jobctl_app("", exit_code);
    CLI::App* app = root.get();
    std::string current = words.empty() ? "" : words.back();
    if (!words.empty()) words.pop_back();

    const CLI::Option* pending = nullptr;  // the option whose value comes next
    bool after_separator = false;          // past "--": the command's own words
    std::size_t command_words = 0;
    std::size_t positionals = 0;
    for (const std::string& word : words) {
        if (pending != nullptr) {
            pending = nullptr;
        } else if (after_separator) {
            ++command_words;
        } else if (word == "--") {
            after_separator = true;
        } else if (word.starts_with("--")) {
            const CLI::Option* option = app->get_option_no_throw(word.substr(0, word.find('=')));
            if (option != nullptr && takes_value(*option) && word.find('=') == std::string::npos)
                pending = option;
        } else if (word.size() > 1 && word[0] == '-') {
            for (std::size_t i = 1; i < word.size(); ++i) {
                const CLI::Option* option = app->get_option_no_throw(std::string("-") + word[i]);
                if (option == nullptr || !takes_value(*option)) continue;
                if (i + 1 == word.size()) pending = option;  // else the value is attached
                break;
            }
        } else if (CLI::App* verb = positionals == 0 ? verb_named(*app, word) : nullptr) {
            app = verb;
        } else {
            ++positionals;
        }
    }

    Completion completion;
    std::string prefix;  // kept in front of every candidate
    if (pending != nullptr) {
        completion = value_completion(*app, *pending, prefix, current);
    } else if (after_separator) {
        completion.fallback = command_words == 0 ? Fallback::commands : Fallback::files;
    } else if (current.starts_with("--") && current.find('=') != std::string::npos) {
        prefix = current.substr(0, current.find('=') + 1);
        current.erase(0, prefix.size());
        if (const CLI::Option* option = app->get_option_no_throw(prefix.substr(0, prefix.size() - 1)))
            completion = value_completion(*app, *option, prefix, current);
    } else if (current.starts_with("-")) {
        for (const CLI::Option* option : app->get_options()) {
            if (option->get_group().empty()) continue;  // hidden
            for (const std::string& name : option->get_lnames())
                completion.candidates.push_back({"--" + name, one_line(option->get_description())});
            for (const std::string& name : option->get_snames())
                completion.candidates.push_back({"-" + name, one_line(option->get_description())});
        }
    } else {
        for (CLI::App* verb : positionals == 0 ? visible_verbs(*app) : std::vector<CLI::App*>{})
            completion.candidates.push_back({verb->get_name(), one_line(verb->get_description())});
        if (app->get_option_no_throw("jobs") != nullptr)
            std::ranges::move(job_candidates(), std::back_inserter(completion.candidates));
        else if (app->get_name() == "queue" && positionals == 0)
            completion.candidates = queue_candidates();
        else if (app->get_name() == "set-priority" && positionals == 0)
            completion.candidates = job_candidates();
    }
    std::erase_if(completion.candidates,
                  [&](const Candidate& candidate) { return !candidate.word.starts_with(current); });
    for (Candidate& candidate : completion.candidates) candidate.word.insert(0, prefix);
    return completion;
}

}  // namespace

std::optional<Repository> existing_repository() {
    try {
        if (Repository::exists(Repository::default_name())) return Repository::open();
    } catch (const std::exception&) {  // damaged, foreign, a bad name: no jobs to offer
    }
    return std::nullopt;
}

int complete_main(int argc, char** argv) {
    try {
        Completion completion = complete(std::vector<std::string>(argv, argv + argc));
        static constexpr std::string_view kFallbacks[] = {"none", "files", "directories", "commands"};
        std::cout << kFallbacks[static_cast<int>(completion.fallback)] << '\n';
        for (const Candidate& candidate : completion.candidates) {
            std::cout << candidate.word;
            if (!candidate.description.empty()) std::cout << '\t' << candidate.description;
            std::cout << '\n';
        }
        std::cout.flush();
    } catch (...) {  // completion offers nothing rather than an error
    }
    return 0;
}

}  // namespace jobctl::cli
