#pragma once
// Each verb of `jobctl` adds itself to the app; its callback sets `exit_code`.

#include <CLI/CLI.hpp>

namespace jobctl::cli {

void add_start_command(CLI::App& app, int& exit_code);
void add_get_command(CLI::App& app, int& exit_code);
void add_wait_command(CLI::App& app, int& exit_code);
void add_receive_command(CLI::App& app, int& exit_code);
void add_stop_command(CLI::App& app, int& exit_code);
void add_suspend_command(CLI::App& app, int& exit_code);
void add_resume_command(CLI::App& app, int& exit_code);
void add_remove_command(CLI::App& app, int& exit_code);
void add_history_command(CLI::App& app, int& exit_code);
void add_foreach_command(CLI::App& app, int& exit_code);
void add_run_command(CLI::App& app, int& exit_code);
void add_repository_command(CLI::App& app, int& exit_code);
void add_queue_command(CLI::App& app, int& exit_code);
void add_set_priority_command(CLI::App& app, int& exit_code);
void add_restart_command(CLI::App& app, int& exit_code);
void add_watch_command(CLI::App& app, int& exit_code);
void add_schedule_command(CLI::App& app, int& exit_code);

}  // namespace jobctl::cli
