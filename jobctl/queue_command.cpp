// jobctl queue: list the queues, or set how many of a queue's jobs run at once.

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "jobctl/job_queue.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

template <class Archive>
void save(Archive& archive, const QueueInfo& queue) {
    archive(cereal::make_nvp("name", queue.name), cereal::make_nvp("slots", queue.slots),
            cereal::make_nvp("running", queue.running), cereal::make_nvp("blocked", queue.blocked));
}

namespace cli {
namespace {

void print_queues(const std::vector<QueueInfo>& queues) {
    std::size_t width = 5;
    for (const QueueInfo& queue : queues) width = std::max(width, queue.name.size());
    std::cout << "Queue" << std::string(width - 5 + 2, ' ') << "Slots  Running  Blocked\n";
    for (const QueueInfo& queue : queues) {
        std::string slots = std::to_string(queue.slots), running = std::to_string(queue.running);
        std::cout << queue.name << std::string(width - queue.name.size() + 2, ' ') << slots
                  << std::string(7 - std::min<std::size_t>(6, slots.size()), ' ') << running
                  << std::string(9 - std::min<std::size_t>(8, running.size()), ' ') << queue.blocked << '\n';
    }
}

}  // namespace

void add_queue_command(CLI::App& app, int&) {
    struct Options {
        std::string name;
        std::optional<std::uint32_t> slots;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command =
        app.add_subcommand("queue", "List queues, or set how many of a queue's jobs run at once");
    command->footer(
        "Jobs join a queue with 'jobctl start --queue NAME'; at most SLOTS of them run at once\n"
        "(default 1), the others wait Blocked and start in the order they were started.\n"
        "Examples: jobctl queue; jobctl queue builds --slots 2");
    command->add_option("name", options->name, "The queue");
    command->add_option("--slots", options->slots, "How many of its jobs may run at once (1-100000)")
        ->check(CLI::Range(1u, kMaxQueueSlots))
        ->needs(command->get_option("name"));
    command->add_flag("--json", options->json, "Print the queues as JSON");
    command->callback([options] {
        auto repository = Repository::open();
        if (options->slots) set_queue_slots(repository, options->name, *options->slots);
        std::vector<QueueInfo> queues = list_queues(repository);
        if (!options->name.empty()) {
            std::erase_if(queues, [&](const QueueInfo& queue) { return queue.name != options->name; });
            if (queues.empty()) queues.push_back({options->name, 1, 0, 0});  // a queue nobody used yet
        }
        if (options->json) {
            {
                cereal::JSONOutputArchive archive(std::cout);
                archive(cereal::make_nvp("queues", queues));
            }
            std::cout << '\n';
        } else {
            print_queues(queues);
        }
    });
}

}  // namespace cli
}  // namespace jobctl
