// jobctl: the command line of the job repository (jobctl_main.cpp).

#include "jobctl_main.hpp"

int main(int argc, char** argv) {
    return jobctl::cli::jobctl_main(argc, argv);
}
