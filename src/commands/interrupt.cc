#include "commands/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <cstring>

namespace ddbm::commands {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_abandon{false};
std::atomic<bool> g_abandon_on_stop{false};  // the installed handlers' InFlight is kAbandon
std::atomic<int> g_signal{0};                // the first signal received
std::atomic<const char*> g_on_stop{""};
std::atomic<bool> g_installed{false};
static_assert(std::atomic<const char*>::is_always_lock_free, "read from a signal handler");

void WriteToStderr(const char* text) {
  // strlen and write are async-signal-safe; a short write of a message is not worth a retry.
  (void)!::write(STDERR_FILENO, text, std::strlen(text));
}

void OnSignal(int signal_number) {
  // The first signal's number is recorded before the stop is, so that a second signal arriving
  // in between still exits with it.
  int none = 0;
  g_signal.compare_exchange_strong(none, signal_number);
  if (g_stop.exchange(true)) {
    WriteToStderr(
        "\nddbmigrate: interrupted again, aborting; as after a crash, a command run with "
        "--checkpoint continues with --resume from its last save (which cleans up what this one "
        "left unfinished)\n");
    ::_exit(128 + g_signal.load());
  }
  if (g_abandon_on_stop.load()) g_abandon.store(true);
  WriteToStderr("\nddbmigrate: stopping: ");
  WriteToStderr(g_on_stop.load());
  WriteToStderr(" (interrupt again to abort)\n");
}

}  // namespace

const std::atomic<bool>* InstallInterruptHandler(const char* on_stop, InFlight in_flight) {
  // Published in the order that keeps a signal between the two stores on the safe side: it
  // never gives up on requests under a message that says they finish.
  const bool abandon = in_flight == InFlight::kAbandon;
  if (!abandon) g_abandon_on_stop.store(false);
  g_on_stop.store(on_stop);
  if (abandon) g_abandon_on_stop.store(true);
  struct sigaction action = {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  g_installed.store(true);
  return &g_stop;
}

const std::atomic<bool>* EnsureInterruptHandler(const char* on_stop, InFlight in_flight) {
  return g_installed.load() ? &g_stop : InstallInterruptHandler(on_stop, in_flight);
}

const std::atomic<bool>* StopFlag() { return &g_stop; }

const std::atomic<bool>* AbandonFlag() { return &g_abandon; }

int InterruptExitStatus() {
  const int signal_number = g_signal.load();
  return 128 + (signal_number != 0 ? signal_number : SIGINT);
}

}  // namespace ddbm::commands
