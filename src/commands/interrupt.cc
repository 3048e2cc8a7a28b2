#include "commands/interrupt.h"

#include <signal.h>
#include <unistd.h>

namespace ddbm::commands {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};  // the first signal received

void OnSignal(int signal_number) {
  if (g_stop.exchange(true)) {
    constexpr char kAbort[] = "\nddbmigrate: interrupted again, aborting\n";
    (void)!::write(STDERR_FILENO, kAbort, sizeof(kAbort) - 1);
    ::_exit(128 + g_signal.load());
  }
  g_signal.store(signal_number);
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

int InterruptExitStatus() {
  const int signal_number = g_signal.load();
  return 128 + (signal_number != 0 ? signal_number : SIGINT);
}

}  // namespace ddbm::commands
