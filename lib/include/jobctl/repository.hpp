#pragma once
// The job repository: a fixed table of jobs in shared memory that every
// process of the user can open. A Repository is an opaque handle on it;
// everything that reads or changes jobs takes one.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"

namespace jobctl {

class Repository;
namespace detail {
class JobTable;
JobTable& table_of(const Repository& repository);  // the library's own access
}  // namespace detail

class Repository {
public:
    static constexpr std::uint32_t kDefaultCapacity = 4096;
    static constexpr std::size_t kMaxNameLength = 63;  // bytes of a job name

    // JOBCTL_REPOSITORY, else "jobctl-<uid>".
    static std::string default_name();
    // Opens (creating if needed) the default repository; JOBCTL_CAPACITY sets
    // the capacity of a repository created by this call.
    // Errors: invalid_argument (a bad name or JOBCTL_CAPACITY),
    // repository_unusable (damaged, foreign or incompatible), system.
    static Repository open();
    static Repository open(const std::string& name, std::uint32_t capacity_if_created = kDefaultCapacity);
    // Removes the table and the spool folder of a repository. Processes that
    // still map it keep their mapping; new opens start afresh.
    // Errors: invalid_argument (a bad name).
    static void destroy(const std::string& name);

    Repository(Repository&&) noexcept;
    Repository& operator=(Repository&&) noexcept;
    ~Repository();

    const std::string& name() const;
    std::uint32_t capacity() const;

    // Lookups: a copy of the job as it is now, or nothing. No liveness check
    // (list_jobs does that); no errors.
    std::optional<JobInfo> find(JobId id) const;
    std::vector<JobInfo> list() const;  // by id

private:
    explicit Repository(std::unique_ptr<detail::JobTable> table);
    friend detail::JobTable& detail::table_of(const Repository& repository);

    std::unique_ptr<detail::JobTable> table_;
};

}  // namespace jobctl
