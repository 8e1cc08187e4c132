// jobctl queue: list the queues, or set how many of a queue's jobs run at once.

#include <sys/stat.h>

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_queue.hpp"
#include "jobctl/repository.hpp"
#include "open_file_room.hpp"
#include "printable_text.hpp"

namespace jobctl {

template <class Archive>
void save(Archive& archive, const QueueInfo& queue) {
    archive(cereal::make_nvp("name", queue.name), cereal::make_nvp("slots", queue.slots),
            cereal::make_nvp("paused", queue.slots == 0), cereal::make_nvp("running", queue.running),
            cereal::make_nvp("blocked", queue.blocked));
}

namespace cli {
namespace {

std::string slots_text(const QueueInfo& queue) {
    return queue.slots == 0 ? "paused" : std::to_string(queue.slots);
}

void print_queues(const std::vector<QueueInfo>& queues) {
    std::size_t width = 5, slots_width = 5;
    for (const QueueInfo& queue : queues) {
        width = std::max(width, queue.name.size());
        slots_width = std::max(slots_width, slots_text(queue).size());
    }
    std::cout << "Queue" << std::string(width - 5 + 2, ' ') << "Slots"
              << std::string(slots_width - 5 + 2, ' ') << "Running  Blocked\n";
    for (const QueueInfo& queue : queues) {
        std::string slots = slots_text(queue), running = std::to_string(queue.running);
        std::cout << queue.name << std::string(width - queue.name.size() + 2, ' ') << slots
                  << std::string(slots_width - slots.size() + 2, ' ') << running
                  << std::string(9 - std::min<std::size_t>(8, running.size()), ' ') << queue.blocked << '\n';
    }
}

// The pid namespace this process numbers pids in (its /proc/self/ns/pid inode).
std::uint64_t own_pid_namespace() {
    struct stat status {};
    return ::stat("/proc/self/ns/pid", &status) == 0 ? status.st_ino : 0;
}

// --job: a foreach run's own queue, its children, and its -j. One run, so
// no pattern; room for the children under its host's open-file limit
// first, as foreach -j makes (the host runs them; its pid is in this pid
// namespace when the owner's namespace is ours).
void set_foreach_slots(Repository& repository, const std::string& token, std::uint32_t slots) {
    if (is_wildcard(token))
        throw Error(ErrorCode::invalid_argument,
                    "--job takes one foreach run (its id or name), not a pattern");
    if (slots > kMaxForeachThrottle)
        throw Error(ErrorCode::invalid_argument, "a foreach runs 0 (paused) to " +
                                                     std::to_string(kMaxForeachThrottle) +
                                                     " children at once, not " + std::to_string(slots));
    JobSelector selector;
    selector.jobs = {token};
    const JobInfo job = select_jobs(repository, selector, false).at(0);  // a name that no job has throws
    if (slots > 0 && job.owner_pid > 0 && job.owner_pid_namespace == own_pid_namespace())
        make_room_for_commands(slots, job.owner_pid);
    std::string which = "job " + std::to_string(job.id) + " (" + printable(job.name) + ")";
    if (!set_throttle_limit(repository, job.id, slots)) {
        auto now = repository.find(job.id);
        if (!now) throw job_not_found(job.id);
        if (now->finished()) {
            std::cout << which << " has finished: nothing to change\n";
            return;
        }
    }
    if (slots == 0)
        std::cout << which << ": paused (jobctl queue --job " << job.id << " --slots N resumes it)\n";
    else
        std::cout << which << ": at most " << slots << (slots == 1 ? " child" : " children") << " at once\n";
}

}  // namespace

void add_queue_command(CLI::App& app, int&) {
    struct Options {
        std::string name;
        std::string job;
        std::optional<std::uint32_t> slots;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command =
        app.add_subcommand("queue", "List queues, or set how many of a queue's jobs run at once");
    command->footer(
        "Jobs join a queue with 'jobctl start --queue NAME'; at most SLOTS of them run at once\n"
        "(default 1), the others wait Blocked and start in the order they were started.\n"
        "--slots 0 pauses the queue: its running jobs finish and no more start until the slots are raised.\n"
        "A foreach run is a queue of its own children: --job JOB --slots N changes its -j while it runs\n"
        "(raised, that many run at once; lowered, the running ones finish first; 0 pauses it).\n"
        "A queue's jobs start by priority (start --priority), then in the order they were started;\n"
        "'jobctl queue NAME' lists its waiting jobs in that order, and 'jobctl set-priority' moves one.\n"
        "Examples: jobctl queue; jobctl queue builds; jobctl queue builds --slots 2;\n"
        "jobctl queue builds --slots 0; jobctl queue --job 7 --slots 8");
    auto* name = command->add_option("name", options->name, "The queue");
    auto* job =
        command
            ->add_option("--job", options->job, "A foreach run (its parent's id or name) instead of a queue")
            ->type_name("JOB")
            ->excludes(name);
    command
        ->add_option("--slots", options->slots,
                     "How many of its jobs (or of the run's children) may run at once (0-100000; 0: paused)")
        ->check(CLI::Range(0u, kMaxQueueSlots));
    command->add_flag("--json", options->json, "Print the queues as JSON")->excludes(job);
    command->callback([options, name, job] {
        if (options->slots && name->empty() && job->empty())
            throw CLI::ValidationError("--slots", "needs a queue's name, or --job JOB");
        if (!job->empty() && !options->slots) throw CLI::ValidationError("--job", "needs --slots N");
        auto repository = Repository::open();
        if (!job->empty()) return set_foreach_slots(repository, options->job, *options->slots);
        if (options->slots) set_queue_slots(repository, options->name, *options->slots);
        std::vector<QueueInfo> queues = list_queues(repository);
        if (!options->name.empty()) {
            std::erase_if(queues, [&](const QueueInfo& queue) { return queue.name != options->name; });
            if (queues.empty()) queues.push_back({options->name, 1, 0, 0});  // a queue nobody used yet
        }
        // One queue: its line too, in the order it starts its jobs.
        std::vector<JobInfo> line =
            options->name.empty() ? std::vector<JobInfo>{} : queue_line(repository, options->name);
        if (options->json) {
            {
                cereal::JSONOutputArchive archive(std::cout);
                archive(cereal::make_nvp("queues", queues));
                if (!options->name.empty()) archive(cereal::make_nvp("line", ids_of(line)));
            }
            std::cout << '\n';
        } else {
            print_queues(queues);
            if (!line.empty()) {
                std::cout << '\n';
                print_job_table(std::cout, line, false, output_columns(), TableView::line);
            }
        }
    });
}

void add_set_priority_command(CLI::App& app, int&) {
    struct Options {
        std::string job;
        int priority = 0;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command =
        app.add_subcommand("set-priority", "Move a job waiting in its queue by giving it another priority");
    command->footer(
        "A queue starts its jobs by priority, higher first, then in the order they were started\n"
        "(see 'jobctl queue NAME' for the line). Only a job still waiting (Blocked) moves; one that\n"
        "runs or has finished is left as it is, and that is said.\n"
        "Example: jobctl set-priority urgent-build 10");
    command->add_option("job", options->job, "The job (id or name)")->required();
    command->add_option("priority", options->priority, "Its new priority (higher starts first)")
        ->required()
        ->check(CLI::Range(kMinPriority, kMaxPriority));
    command->callback([options] {
        auto repository = Repository::open();
        std::vector<JobInfo> jobs = repository.list();
        JobInfo job = resolve_job(jobs, options->job);
        if (set_job_priority(repository, job.id, options->priority)) return;
        JobInfo now = repository.find(job.id).value_or(job);
        std::cerr << "jobctl: job " << job.id << " (" << printable(job.name) << ") "
                  << (now.state == JobState::blocked
                          ? "has priority " + std::to_string(now.priority) + " already"
                          : "is " + std::string(to_string(now.state)))
                  << ": nothing to change\n";
    });
}

}  // namespace cli
}  // namespace jobctl
