# fish completion for jobctl. The candidates come from jobctl itself:
# `jobctl __complete WORD...` (jobctl/completion.hpp) knows the verbs and
# options of --help, the states and the jobs of the current repository. This
# script only hands it the words and shows its answer.
# Load it from a checkout with:  source jobctl/completions/jobctl.fish

function __jobctl_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    set -l lines ($words[1] __complete $words[2..-1] "$current" 2>/dev/null)
    or return 0
    switch "$lines[1]"
        case files
            __fish_complete_path "$current"
        case directories
            __fish_complete_directories "$current" ""
        case commands
            complete -C "$current"
    end
    printf '%s\n' $lines[2..-1]
end

complete -c jobctl -f -a '(__jobctl_complete)'
