#include "slurm/scontrol_line.hpp"

#include <array>
#include <cctype>
#include <optional>

namespace jobctl::detail {
namespace {

// The keys whose value is text Slurm prints as it was given, spaces included.
constexpr std::array kFreeTextKeys{"JobName", "Comment",   "AdminComment", "SystemComment", "Command",
                                   "WorkDir", "StdErr",    "StdIn",        "StdOut",        "MailUser",
                                   "Extra",   "Container", "Features",     "Licenses"};

// Every key `scontrol show job -o` printed in Slurm 22.05 (seen on this
// machine, and the ones printed only for some jobs).
constexpr std::array kKnownKeys{
    "JobId",
    "ArrayJobId",
    "ArrayTaskId",
    "ArrayTaskThrottle",
    "HetJobId",
    "HetJobOffset",
    "HetJobIdSet",
    "JobName",
    "UserId",
    "GroupId",
    "MCS_label",
    "Priority",
    "Nice",
    "Account",
    "QOS",
    "WCKey",
    "JobState",
    "Reason",
    "Dependency",
    "Requeue",
    "Restarts",
    "BatchFlag",
    "Reboot",
    "ExitCode",
    "DerivedExitCode",
    "RunTime",
    "TimeLimit",
    "TimeMin",
    "SubmitTime",
    "EligibleTime",
    "AccrueTime",
    "StartTime",
    "EndTime",
    "Deadline",
    "PreemptEligibleTime",
    "PreemptTime",
    "SuspendTime",
    "SecsPreSuspend",
    "LastSchedEval",
    "Scheduler",
    "ResizeTime",
    "Partition",
    "AllocNode:Sid",
    "ReqNodeList",
    "ExcNodeList",
    "NodeList",
    "BatchHost",
    "SchedNodeList",
    "NumNodes",
    "NumCPUs",
    "NumTasks",
    "CPUs/Task",
    "ReqB:S:C:T",
    "TRES",
    "Socks/Node",
    "NtasksPerN:B:S:C",
    "CoreSpec",
    "ThreadSpec",
    "MinCPUsNode",
    "MinMemoryNode",
    "MinMemoryCPU",
    "MinTmpDiskNode",
    "Features",
    "ClusterFeatures",
    "DelayBoot",
    "Reservation",
    "OverSubscribe",
    "Contiguous",
    "Licenses",
    "Network",
    "Command",
    "WorkDir",
    "AdminComment",
    "SystemComment",
    "Comment",
    "StdErr",
    "StdIn",
    "StdOut",
    "Power",
    "CpusPerTres",
    "MemPerTres",
    "TresBind",
    "TresFreq",
    "TresPerJob",
    "TresPerNode",
    "TresPerSocket",
    "TresPerTask",
    "MailUser",
    "MailType",
    "NtasksPerTRES",
    "Switches",
    "Wait-for-Switch",
    "BurstBuffer",
    "BurstBufferState",
    "CpuFreqMin",
    "CpuFreqMax",
    "CpuFreqGov",
    "KillOInInvalidDependent",
    "Extra",
    "Container",
    "Nodes",
    "CPU_IDs",
    "Mem",
    "GRES",
    "Cluster",
    "FedOrigin",
    "FedViableSiblings",
    "FedActiveSiblings",
    "Profile",
    "JobCompAcc",
    "SelinuxContext",
    "LicensesAlloc",
    "CronJob",
    "CrontabSpec",
    "OOMKillStep",
    "ReqTRES",
    "AllocTRES",
};

template <std::size_t N>
bool contains(const std::array<const char*, N>& keys, std::string_view key) {
    for (const char* known : keys)
        if (key == known) return true;
    return false;
}

// The key of a field starting at `text` ("Key=..."), if it looks like one.
std::optional<std::string_view> key_at(std::string_view text) {
    if (text.empty() || !std::isalpha(static_cast<unsigned char>(text.front()))) return std::nullopt;
    for (std::size_t at = 1; at < text.size(); ++at) {
        char c = text[at];
        if (c == '=') return text.substr(0, at);
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '/' || c == '-'))
            return std::nullopt;
    }
    return std::nullopt;
}

// Where the value of `key`, starting at `from`, ends: at the space before the next field.
std::size_t value_end(std::string_view line, std::size_t from, std::string_view key) {
    bool free_text = contains(kFreeTextKeys, key);
    for (std::size_t space = line.find(' ', from); space != std::string_view::npos;
         space = line.find(' ', space + 1)) {
        auto next = key_at(line.substr(space + 1));
        if (next && (!free_text || contains(kKnownKeys, *next))) return space;
    }
    return line.size();
}

std::string_view without_trailing_blanks(std::string_view text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

}  // namespace

ScontrolFields parse_scontrol_line(std::string_view line) {
    ScontrolFields fields;
    std::size_t at = 0;
    while (at < line.size()) {
        if (line[at] == ' ') {
            ++at;
            continue;
        }
        auto key = key_at(line.substr(at));
        if (!key) break;  // not a field: nothing more to trust on this line
        std::size_t from = at + key->size() + 1;
        std::size_t end = value_end(line, from, *key);
        fields.emplace(std::string(*key),
                       std::string(without_trailing_blanks(line.substr(from, end - from))));
        at = end;
    }
    return fields;
}

}  // namespace jobctl::detail
