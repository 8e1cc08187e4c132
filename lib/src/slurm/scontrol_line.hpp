#pragma once
// One line of `scontrol show ... -o` as its Key=Value fields. Fields are
// separated by single spaces, but some values are free text that may hold
// spaces and '=' (JobName, Comment, Command, WorkDir, StdOut: "WorkDir=/my
// dir"), so a field starts only at " Key=" where Key looks like a Slurm key
// ([A-Za-z][A-Za-z0-9_:/]*: "CPUs/Task", "AllocNode:Sid") and, inside a
// free-text value, only where Key is one that Slurm 22.05 prints. A key
// Slurm added later still starts a field after any other value.
//
// What it cannot tell apart: free text that holds " JobState=X" itself
// (a job name so chosen). Where a key occurs twice, the first one counts.

#include <map>
#include <string>
#include <string_view>

namespace jobctl::detail {

using ScontrolFields = std::map<std::string, std::string, std::less<>>;

ScontrolFields parse_scontrol_line(std::string_view line);

}  // namespace jobctl::detail
