// What the scan-and-write commands (copy, truncate) share around a TableTransfer: progress on
// stderr while it runs, the summary after, and the interactive confirmation before deleting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "aws/error.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "pipeline/table_transfer.h"

namespace ddbm::commands {

// Runs `transfer` with a progress reporter fed by `counters` and both connections' call
// counters. `expected_items` (the source's ItemCount) drives the ETA, against the items written
// and dead-lettered, or with a transform the items read (see ProgressSample). With a `deadline`, a
// warning naming `why` is printed once when the run is on course to end after it, or (saying
// to start again without --resume, not how to go faster) once it has passed.
aws::Result<pipeline::TransferResult> RunWithProgress(
    pipeline::TableTransfer& transfer, pipeline::TransferCounters* counters,
    const Connection& source, const Connection& target, uint64_t expected_items,
    std::optional<aws::Clock::WallTime> deadline = std::nullopt, const std::string& why = "");

// Asks on the terminal to type `expected` to go on. Without a terminal on stdin it refuses
// (kInvalidInput telling to pass --yes), so scripts never hang on a prompt. A stop (StopFlag)
// while it waits ends it with kCancelled.
aws::Status Confirm(const std::string& question, const std::string& expected);

// Throttles and retries seen by both sides' connections (counted once when both are one).
uint64_t Throttles(const Connection& source, const Connection& target);
uint64_t Retries(const Connection& source, const Connection& target);

}  // namespace ddbm::commands
