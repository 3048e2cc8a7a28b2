// Ctrl-C handling for long runs: the first SIGINT or SIGTERM asks the run to stop cleanly
// (in-flight batches finish, the checkpoint is written, a summary is printed); a second one
// exits at once. Either way the exit status is the shell's for that signal: 130 after SIGINT,
// 143 after SIGTERM.
#pragma once

#include <atomic>

namespace ddbm::commands {

// Installs the handlers (idempotent) and returns the flag they set. Lives for the process.
const std::atomic<bool>* InstallInterruptHandler();

// The exit status of a run stopped by a signal: 128 + the first signal's number (130 when no
// signal was received, for runs stopped by other means).
int InterruptExitStatus();

}  // namespace ddbm::commands
