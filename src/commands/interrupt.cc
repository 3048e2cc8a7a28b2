#include "commands/interrupt.h"

#include <signal.h>
#include <unistd.h>

namespace ddbm::commands {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  if (g_stop.exchange(true)) {
    constexpr char kAbort[] = "\nddbmigrate: interrupted again, aborting\n";
    (void)!::write(STDERR_FILENO, kAbort, sizeof(kAbort) - 1);
    ::_exit(130);
  }
  constexpr char kStopping[] =
      "\nddbmigrate: stopping: finishing in-flight batches and saving the checkpoint "
      "(interrupt again to abort)\n";
  (void)!::write(STDERR_FILENO, kStopping, sizeof(kStopping) - 1);
}

}  // namespace

const std::atomic<bool>* InstallInterruptHandler() {
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return &g_stop;
}

}  // namespace ddbm::commands
