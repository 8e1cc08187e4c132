#include "environment_variables.hpp"

namespace jobctl::cli {

std::span<const EnvironmentVariable> environment_variables() {
    static constexpr EnvironmentVariable kVariables[] = {
        {"JOBCTL_HOME",
         "The jobctl home: the folder that holds every repository. Default $XDG_STATE_HOME/jobctl when "
         "XDG_STATE_HOME is an absolute path, else ~/.local/state/jobctl. Created with mode 0700; it "
         "must belong to you and be closed to writers other than you.",
         false, true},
        {"JOBCTL_REPOSITORY",
         "Which repository: a name (1-200 letters, digits, '-', '_' or '.', not starting with '.') is a "
         "repository in the home; default 'default'. A value with '/' is the absolute path of a table "
         "file, for example /dev/shm/scratch for one that is gone at reboot; its output then goes to "
         "<path>.output/. Give every test or CI run its own name."},
        {"JOBCTL_CAPACITY",
         "Number of job slots when this command creates the repository (1-1048576, default 16384). An "
         "existing repository keeps its size."},
        {"JOBCTL_WORKER",
         "Path of jobctl-worker, used instead of the copy next to the program or the installed one. "
         "Process jobs use a worker, and Slurm jobs one to follow them; thread jobs and foreach do not.",
         false, true},
        {"JOBCTL_CONTAINMENT",
         "How a job's processes are held: unset, in a cgroup v2 of its own where this user may make one "
         "(as root, or in a delegated subtree), else by its worker's session; 'session' for the session "
         "always; 'cgroup' for a cgroup or a refusal to start. Read when the job starts (get --json: "
         "containment).",
         false, true},
        {"JOBCTL_SLURM_SPOOL",
         "For --on slurm: a folder that the cluster's nodes and this machine both see, where Slurm writes "
         "each job's output (in <folder>/<repository>/<id>) when the jobctl home is not shared with the "
         "nodes. Read at submission.",
         false, true},
        {"JOBCTL_SSH_REMOTE",
         "For --on ssh: 'auto' (the default) runs the command as a job of jobctl on the host where jobctl is "
         "on the remote PATH (it outlives a dropped connection), else with a small sh wrapper; 'wrapper' "
         "always uses the wrapper (a remote program named jobctl that is not jobctl, say). Read when the "
         "job starts.",
         false, true},
        {"JOBCTL_BOOT_ID",
         "For tests only: taken as the boot id instead of /proc/sys/kernel/random/boot_id, so that a "
         "test can play the first open after a reboot.",
         true, true},
        {"JOBCTL_TEST_PAUSE",
         "For tests only (PROGRAM:POINT:N:FIFO): the jobctl or jobctl-worker process stops itself "
         "(SIGSTOP) the N-th time it reaches POINT inside the repository's lock, after writing its pid "
         "to FIFO.",
         true, true},
    };
    return kVariables;
}

std::string environment_footer() {
    std::string footer = "Environment:";
    for (const EnvironmentVariable& variable : environment_variables())
        if (!variable.for_tests) footer += " " + std::string(variable.name) + ",";
    footer.back() = ';';
    return footer + " see 'man jobctl'.";
}

}  // namespace jobctl::cli
