#pragma once
// Waiting for what a detached process writes into a folder (a finish
// hook's result, a capped log's tail pieces), without sleeping: inotify on
// the folder wakes the waiter at each write, and `done` looks again.

#include <chrono>
#include <filesystem>
#include <functional>

namespace jobctl::test {

// True once `done` holds, looked at first and after each write or move
// into `folder` (made if missing); false after `limit`.
bool wait_in_folder(const std::filesystem::path& folder, const std::function<bool()>& done,
                    std::chrono::seconds limit = std::chrono::seconds(20));

}  // namespace jobctl::test
