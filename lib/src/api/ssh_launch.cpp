// Starting a job on other hosts (jobctl/ssh_job.hpp): on one host, a worker
// job whose command ssh runs there; on several, a foreach run with a child
// per host, handed to a detached host as `foreach --as-job` is.

#include "jobctl/error.hpp"
#include "jobctl/foreach_job.hpp"
#include "jobctl/ssh_job.hpp"
#include "process_jobs/ssh_run.hpp"
#include "process_jobs/worker_launch.hpp"
#include "ssh/remote_command.hpp"
#include "ssh/ssh_connection.hpp"
#include "ssh/ssh_host.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

// One child per host, all at once, each running the command as it is.
JobInfo start_on_each_host(Repository& repository, const ProcessJobSpec& spec, const SshOptions& ssh) {
    if (!spec.start_when.after.empty() || !spec.start_when.queue.empty())
        throw Error(ErrorCode::invalid_argument,
                    "--after and --queue take one host: start a job for each host to make it wait");
    ForeachSpec each;
    each.name = spec.name;
    each.command = spec.argv;
    each.inputs = ssh.hosts;
    each.inputs_are_hosts = true;
    each.throttle_limit = static_cast<unsigned>(ssh.hosts.size());
    each.run = spec.run;
    each.on_finish = spec.on_finish;
    each.labels = spec.labels;
    return start_foreach_job(repository, each);
}

}  // namespace

JobInfo start_ssh_job(Repository& repository, const ProcessJobSpec& spec, const SshOptions& ssh,
                      const std::filesystem::path& worker_path) {
    if (ssh.hosts.empty()) throw Error(ErrorCode::invalid_argument, "no host given (--on ssh:HOST)");
    std::vector<detail::SshHost> hosts = detail::parse_ssh_hosts(ssh.hosts);
    if (spec.argv.empty() || spec.argv[0].empty())
        throw Error(ErrorCode::invalid_argument, "no command given (put it after '--')");
    detail::check_remote_run(spec.run, spec.argv[0]);
    detail::check_remote_line(spec.run, spec.argv);
    if (spec.type != JobType::process)
        throw Error(ErrorCode::invalid_argument, "only a process job runs on another host");
    if (hosts.size() > 1) return start_on_each_host(repository, spec, ssh);
    detail::open_shared_connections(detail::table_of(repository).location(), hosts);
    ProcessJobSpec remote = spec;
    remote.run.ssh_host = hosts.front().text;
    return detail::start_worker_job(repository, remote, worker_path);
}

}  // namespace jobctl
