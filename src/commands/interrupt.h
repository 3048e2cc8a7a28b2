// Ctrl-C handling for long runs: the first SIGINT or SIGTERM asks the run to stop cleanly
// (in-flight batches finish, the checkpoint is written, a summary is printed); a second one
// exits at once. Either way the exit status is the shell's for that signal: 130 after SIGINT,
// 143 after SIGTERM.
#pragma once

#include <atomic>

namespace ddbm::commands {

// What the first signal does to the requests in flight.
enum class InFlight {
  kFinish,   // they are waited for (their answers count: a batch's writes)
  kAbandon,  // they are given up on, and no request is sent after (see AbandonFlag)
};

// Installs the handlers (idempotent) and returns the flag they set, which lives for the
// process. `on_stop` is what the first signal is reported to do ("ddbmigrate: stopping: <on_stop>
// (interrupt again to abort)"); a later call replaces it and `in_flight`, for a run's later
// phase. It must be a string with static storage duration (the signal handler reads it), such
// as a literal.
const std::atomic<bool>* InstallInterruptHandler(
    const char* on_stop = "finishing the requests in flight",
    InFlight in_flight = InFlight::kFinish);

// InstallInterruptHandler(on_stop, in_flight) unless the handlers are installed already (then
// their message and `in_flight` stay). Opening a connection calls it with kStartUpStopping and
// InFlight::kAbandon, so that a stop ends what any command waits on from its first request (a
// credential_process, a retry waiting out throttling, an endpoint slow to answer) at once with
// the interrupted exit status, before the command installs the handlers for its main work.
const std::atomic<bool>* EnsureInterruptHandler(const char* on_stop, InFlight in_flight);

// The flag the handlers set, without installing them: true once a run was asked to stop. The
// service clients watch it so that a retry waiting out throttling ends at a stop.
const std::atomic<bool>* StopFlag();

// True once the first signal came while the handlers installed abandoned the requests in flight
// (InFlight::kAbandon); it stays true for the rest of the process, whatever is installed after.
// It is set after StopFlag(). The transports watch it: a request waiting for its answer is
// given up on, and no new one is sent.
const std::atomic<bool>* AbandonFlag();

// What stopping means before a command's main work begins (describing tables, checking
// credentials): nothing has been done that a stop must finish.
inline constexpr const char kStartUpStopping[] = "giving up on the requests in flight";

// What stopping means for a replay (replicate, and migrate's second phase), which always keeps a
// checkpoint, and for a wait on a job DynamoDB runs itself (native export and import).
inline constexpr const char kReplayStopping[] =
    "finishing the writes in flight and saving the checkpoint";
inline constexpr const char kNativeWaitStopping[] =
    "no longer waiting; DynamoDB goes on with the job";
// For a run of batch writes (copy, import) with or without a --checkpoint.
inline const char* BatchesStopping(bool checkpointed) {
  return checkpointed ? "finishing the batches in flight and saving the checkpoint"
                      : "finishing the batches in flight (without --checkpoint a new run starts "
                        "over)";
}

// The exit status of a run stopped by a signal: 128 + the first signal's number (130 when no
// signal was received, for runs stopped by other means).
int InterruptExitStatus();

}  // namespace ddbm::commands
