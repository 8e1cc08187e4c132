// Thread jobs from a C++ program: checksums files on a pool of threads. While
// it runs, `jobctl get`, `jobctl receive` and `jobctl stop` work on its jobs
// from any other shell.
//   jobctl-example-checksum FILE...

#include <cereal/types/string.hpp>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <jobctl/thread_job_host.hpp>

struct Digest {
    std::string file;
    std::uint64_t fnv1a = 0;

    template <class Archive>
    void serialize(Archive& archive) {
        archive(CEREAL_NVP(file), CEREAL_NVP(fnv1a));
    }
};

std::uint64_t fnv1a_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::uint64_t hash = 14695981039346656037ull;
    for (std::istreambuf_iterator<char> it(in), end; it != end; ++it)
        hash = (hash ^ static_cast<unsigned char>(*it)) * 1099511628211ull;
    return hash;
}

int main(int argc, char** argv) {
    std::vector<std::string> files(argv + 1, argv + argc);
    auto repo = jobctl::Repository::open();  // JOBCTL_REPOSITORY or the user's default
    jobctl::ThreadJobHost host(repo, {.throttle_limit = 4});
    jobctl::Job job = host.start("checksum", [&files](jobctl::JobContext& ctx) {
        ctx.out() << "hashing " << files.size() << " files"
                  << std::endl;  // flushed: receivable from any process
        for (std::size_t i = 0; i < files.size(); ++i) {
            if (ctx.stop_requested()) return;  // `jobctl stop checksum` from another shell lands here
            ctx.progress(double(i) / files.size(), files[i]);        // Write-Progress: `jobctl get` shows it
            ctx.write_result(Digest{files[i], fnv1a_of(files[i])});  // a cereal-serialised result record
        }
        ctx.progress(1.0, "done");
    });
    job.wait();
    jobctl::JobInfo info = job.info();
    if (info.state != jobctl::JobState::completed) {
        std::cerr << "checksum job " << jobctl::to_string(info.state) << ": " << info.reason << '\n';
        return 1;
    }
    for (const Digest& digest : job.receive<Digest>())  // Receive-Job: consumes the results
        std::cout << std::hex << digest.fnv1a << "  " << digest.file << '\n';
    jobctl::remove_job(repo, job.id());
    return 0;
}
