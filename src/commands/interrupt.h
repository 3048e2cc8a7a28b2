// Ctrl-C handling for long runs: the first SIGINT or SIGTERM asks the run to stop cleanly
// (in-flight batches finish, the checkpoint is written, a summary is printed); a second one
// exits at once with status 130.
#pragma once

#include <atomic>

namespace ddbm::commands {

// Installs the handlers (idempotent) and returns the flag they set. Lives for the process.
const std::atomic<bool>* InstallInterruptHandler();

}  // namespace ddbm::commands
