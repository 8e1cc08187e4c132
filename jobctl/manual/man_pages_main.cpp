// jobctl-man-pages DIR WORKER: writes DIR/jobctl.1 and DIR/jobctl-worker.1,
// the second from what the program WORKER says of itself (a build-time
// generator; not installed).

#include <fstream>
#include <iostream>

#include "man_pages.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: jobctl-man-pages DIR WORKER\n";
        return 2;
    }
    std::string dir = argv[1];
    std::ofstream jobctl(dir + "/jobctl.1");
    jobctl::manual::write_jobctl_page(jobctl);
    std::ofstream worker(dir + "/jobctl-worker.1");
    try {
        jobctl::manual::write_worker_page(worker, argv[2]);
    } catch (const std::exception& error) {
        std::cerr << "jobctl-man-pages: " << error.what() << '\n';
        return 1;
    }
    jobctl.close();
    worker.close();
    if (!jobctl || !worker) {
        std::cerr << "jobctl-man-pages: cannot write the pages in " << dir << '\n';
        return 1;
    }
    return 0;
}
