#include "commands/transfer_runner.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include <iostream>

#include "aws/iso8601.h"
#include "commands/interrupt.h"
#include "pipeline/progress.h"

namespace ddbm::commands {
uint64_t Throttles(const Connection& source, const Connection& target) {
  return source.throttles() + (&source != &target ? target.throttles() : 0);
}

uint64_t Retries(const Connection& source, const Connection& target) {
  return source.retries() + (&source != &target ? target.retries() : 0);
}

aws::Result<pipeline::TransferResult> RunWithProgress(
    pipeline::TableTransfer& transfer, pipeline::TransferCounters* counters,
    const Connection& source, const Connection& target, uint64_t expected_items,
    std::optional<aws::Clock::WallTime> deadline, const std::string& why) {
  aws::Clock* clock = aws::Clock::Real();
  const auto started = clock->SteadyNow();
  bool warned = false;
  // Projects the end from the average rate so far; checked at each progress report.
  auto check_deadline = [&](uint64_t done) {
    const double elapsed = std::chrono::duration<double>(clock->SteadyNow() - started).count();
    const uint64_t total_done = done + counters->items_resumed.load();
    if (!deadline || warned || total_done >= expected_items) return;
    if (clock->Now() >= *deadline) {
      // No setup can end the copy in time any more: say so, rather than how to go faster.
      warned = true;
      std::cerr << (::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "")
                << "ddbmigrate: warning: the copy has not ended by "
                << aws::FormatIso8601(*deadline) << " (" << why
                << "), so what follows it cannot be complete; stop now and start "
                << "again without --resume\n";
      return;
    }
    if (done == 0 || elapsed < 30) return;
    const double left =
        static_cast<double>(expected_items - total_done) * elapsed / static_cast<double>(done);
    const auto end = clock->Now() + std::chrono::seconds(static_cast<int64_t>(left));
    if (end <= *deadline) return;
    warned = true;
    std::cerr << (::isatty(STDERR_FILENO) == 1 ? "\r\033[K" : "")
              << "ddbmigrate: warning: at the current rate the copy ends at about "
              << aws::FormatIso8601(end) << ", after " << aws::FormatIso8601(*deadline) << " ("
              << why << "); raise --segments, --writers or the rate limits, or stop now and "
              << "start again with a faster setup\n";
  };
  // With a transform, the items written are not the items read (it drops some, makes several
  // of others): the rate and the ETA follow the items read, as the source's count does.
  const bool transformed = !transfer.options().transform.empty();
  pipeline::ProgressReporter reporter(
      [&] {
        pipeline::ProgressSample s;
        s.items_read = counters->scan.items.load();
        s.items_written = counters->writes.items_written.load();
        s.items_dead_lettered = counters->items_dead_lettered.load();
        s.read_capacity = counters->scan.read_capacity.load();
        s.write_capacity = counters->writes.consumed_capacity.load();
        s.throttles = Throttles(source, target);
        s.unprocessed_resent = counters->writes.unprocessed_resent.load();
        s.retries = Retries(source, target);
        // What is left for this run: a resume's earlier runs did the rest.
        const uint64_t resumed = counters->items_resumed.load();
        s.expected_items = expected_items > resumed ? expected_items - resumed : 0;
        s.read_capacity_asked = transfer.options().read_consumed_capacity;
        s.write_capacity_asked = transfer.options().write_consumed_capacity;
        if (transformed) {
          s.rate_of_reads = true;
          s.rate_label = "items read/s";
        }
        check_deadline(pipeline::ProgressDone(s));
        return s;
      },
      stderr, ::isatty(STDERR_FILENO) == 1, aws::Clock::Real());
  reporter.Start();
  aws::Result<pipeline::TransferResult> result = transfer.Run(counters);
  reporter.Stop();
  return result;
}

aws::Status Confirm(const std::string& question, const std::string& expected) {
  if (::isatty(STDIN_FILENO) != 1) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            question + ": no terminal to confirm on; pass --yes to go ahead");
  }
  std::cerr << question << "\nType '" << expected << "' to confirm: " << std::flush;
  // The interrupt handler only sets the stop flag, and a read already waiting would go on
  // waiting after a Ctrl-C: stdin is polled in short steps that look at the flag.
  const std::atomic<bool>* stop = StopFlag();
  const aws::Error stopped = aws::Error::Make(aws::ErrorKind::kCancelled,
                                              "stopped at the confirmation; nothing was deleted");
  for (;;) {
    if (stop->load()) return stopped;
    pollfd input{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&input, 1, 100);
    if (ready > 0 || (ready < 0 && errno != EINTR)) break;
  }
  std::string answer;
  std::getline(std::cin, answer);
  if (stop->load()) return stopped;
  if (answer != expected) {
    return aws::Error::Make(aws::ErrorKind::kCancelled, "not confirmed; nothing was deleted");
  }
  return aws::Status::Ok();
}

}  // namespace ddbm::commands
