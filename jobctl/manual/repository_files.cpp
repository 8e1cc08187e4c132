#include "man_pages.hpp"

namespace jobctl::manual {

std::span<const RepositoryFile> repository_files() {
    static constexpr RepositoryFile kFiles[] = {
        {"~/.local/state/jobctl/",
         "The jobctl home (JOBCTL_HOME, else $XDG_STATE_HOME/jobctl): one folder per repository, "
         "mode 0700. 'jobctl repository' shows the paths of the current one."},
        {"<home>/<name>/table",
         "The job table, mapped by every process that uses the repository. Mode 0600; a sparse "
         "file: its disk is reserved as its slots are first used, and a start that finds the disk "
         "full is refused (exit 9). Anyone who opens it checks its owner, mode, magic number, "
         "layout version and sizes; a table that fails is refused (exit 6)."},
        {"<home>/<name>/output/<id>/output.log",
         "A job's output (stdout, stderr and a thread job's results), kept until received and gone "
         "when the job is removed."},
        {"<home>/<name>/history.jsonl, history.jsonl.1",
         "The history: a JSON line per job that ended, appended by whoever ended it and kept after "
         "the job is removed ('jobctl history'). Rotated to history.jsonl.1 at 'jobctl repository "
         "--history-size' (default 16M); removed by 'jobctl repository delete'."},
        {"<home>/<name>@<host>/",
         "The repository's folder instead when the home is on a network or FUSE filesystem: each "
         "machine keeps its own."},
        {"<path>, <path>.output/ and <path>.history.jsonl",
         "The table, the output and the history when JOBCTL_REPOSITORY is a path (with '/'), for "
         "example /dev/shm/scratch."},
    };
    return kFiles;
}

}  // namespace jobctl::manual
