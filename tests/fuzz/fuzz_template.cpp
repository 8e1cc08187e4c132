#include "fuzz_template.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz_sandbox.hpp"
#include "jobctl/repository.hpp"
#include "output/output_log.hpp"
#include "system/process_identity.hpp"
#include "table/job_table.hpp"
#include "table/repository_location.hpp"
#include "table/slot_patch.hpp"

namespace jobctl::fuzz {
namespace {

constexpr int kGonePid = 4194303;  // above any pid_max but the largest: no such process

std::string read_whole(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

}  // namespace

RepositorySnapshot build_template(const std::string& name) {
    fuzz_home();
    Repository::destroy(name);
    RepositorySnapshot snapshot;
    {
        Repository repository = Repository::open(name, 8);
        detail::JobTable& table = detail::table_of(repository);
        auto add = [&](const std::string& job_name, JobType type, const std::string& command, JobId parent,
                       auto&& change) {
            JobInfo job = table.add({job_name, type, command, parent, kGonePid, 1, true});
            detail::SlotPatch::update(table, job.id, [&](detail::JobSlot& slot) {
                change(slot);
                return true;
            });
            return job.id;
        };
        auto write_log = [&](JobId id, std::initializer_list<std::pair<OutputStream, std::string>> records) {
            OutputLogWriter writer(table.job_directory(id));
            std::uint64_t size = 0;
            for (const auto& [stream, bytes] : records) size = writer.append(stream, bytes);
            detail::SlotPatch::update(table, id, [&](detail::JobSlot& slot) {
                slot.output_bytes = size;
                return true;
            });
        };
        JobId built = add("built", JobType::process, "make -j2", 0, [](detail::JobSlot& slot) {
            detail::set_outcome(slot, JobState::completed, "");
            slot.has_exit_code = 1;
            slot.process_id = kGonePid - 1;
            slot.process_start_time = 2;
        });
        write_log(built, {{OutputStream::out, "compiling\n"},
                          {OutputStream::err, "warning: x\n"},
                          {OutputStream::out, "done\n"}});
        JobId failed = add("failed", JobType::thread, "thread job", 0, [](detail::JobSlot& slot) {
            detail::set_outcome(slot, JobState::failed, "boom");
        });
        write_log(failed, {{OutputStream::result, "{\"result\": 42}"}, {OutputStream::info, "info"}});
        // A schedule's run (type scheduled): a process job in all but its type.
        add("stopped", JobType::scheduled, "sleep 100", 0, [](detail::JobSlot& slot) {
            detail::set_outcome(slot, JobState::stopped, "stopped; killed by signal 15 (SIGTERM)");
            slot.term_signal = 15;
            slot.stop_requested = 1;
        });
        JobId parent = add("each", JobType::thread, "foreach -j 2 -- gzip", 0,
                           [](detail::JobSlot& slot) { detail::set_outcome(slot, JobState::completed, ""); });
        for (const char* child : {"each:1", "each:2"}) {
            JobId id = add(child, JobType::thread, std::string("gzip ") + child, parent,
                           [](detail::JobSlot& slot) { detail::set_outcome(slot, JobState::completed, ""); });
            write_log(id, {{OutputStream::out, std::string(child) + " ok\n"}});
        }
        add("lost", JobType::process, "sleep 1000", 0, [](detail::JobSlot& slot) {
            detail::set_state(slot, JobState::running);
            slot.process_id = kGonePid - 2;
            slot.process_start_time = 3;
        });
        auto location = detail::locate_repository(name, false);
        snapshot.table = read_whole(location.table);
        for (const JobInfo& job : repository.list()) {
            auto log = table.job_directory(job.id) / kOutputLogFileName;
            if (std::filesystem::exists(log)) snapshot.logs[job.id] = read_whole(log);
        }
    }
    Repository::destroy(name);
    return snapshot;
}

void restore(const RepositorySnapshot& snapshot, const std::string& name, const std::string* table) {
    auto location = detail::locate_repository(name, true);
    const std::string& bytes = table != nullptr ? *table : snapshot.table;
    write_file(location.table.string(), bytes.data(), bytes.size());
    for (const auto& [id, log] : snapshot.logs) {
        auto directory = location.spool / std::to_string(id);
        std::error_code ignored;
        std::filesystem::create_directories(directory, ignored);
        std::filesystem::permissions(location.spool, std::filesystem::perms::owner_all, ignored);
        std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ignored);
        write_file((directory / kOutputLogFileName).string(), log.data(), log.size());
    }
}

void write_seed(const std::string& name, const std::string& bytes) {
    const char* directory = std::getenv("JOBCTL_FUZZ_SEED_DIR");
    if (directory == nullptr || *directory == '\0') return;
    std::filesystem::create_directories(directory);
    std::ofstream(std::filesystem::path(directory) / name, std::ios::binary) << bytes;
}

}  // namespace jobctl::fuzz
