#pragma once
// A gate a job waits at: `read line < PATH` in the job's shell blocks until
// the test calls release(). The test holds the FIFO open for reading and
// writing, so release() never blocks, whether or not the job has reached
// the gate yet, and what it wrote stays in the FIFO until the job reads
// it. What a test gates this way happens in the order the test says,
// however slow the machine: no sleep's length decides it.

#include <string>

namespace jobctl::test {

class FifoGate {
public:
    // Makes the FIFO at `path` (which must not exist) and opens it.
    explicit FifoGate(std::string path);
    ~FifoGate();  // closes and removes it
    FifoGate(const FifoGate&) = delete;
    FifoGate& operator=(const FifoGate&) = delete;

    const std::string& path() const { return path_; }
    // `read line < PATH`, quoted for sh: what the job runs to wait at the gate.
    std::string wait_command() const { return "read line < '" + path_ + "'"; }
    // Lets one `read line` through (writes one line).
    void release();

private:
    std::string path_;
    int fd_ = -1;
};

}  // namespace jobctl::test
