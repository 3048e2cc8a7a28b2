// The --checkpoint / --resume contract shared by the commands that resume a segmented run (copy,
// export): a fresh run never overwrites a checkpoint, a resume needs one. And the lock every
// command that writes a checkpoint holds, so that one checkpoint serves one run at a time.
#pragma once

#include <optional>
#include <string>

#include "aws/error.h"
#include "pipeline/checkpoint.h"
#include "pipeline/checkpoint_lock.h"

namespace ddbm::commands {

// Checks that `path` can be written, then: for a fresh run (`resume` false) refuses an existing
// checkpoint and returns nullopt; for a resume returns the checkpoint, or refuses a missing one.
// Errors are kInvalidInput, one line naming the path and what to do. The caller checks that the
// checkpoint is of its own run (operation, source, target).
aws::Result<std::optional<pipeline::Checkpoint>> OpenRunCheckpoint(const std::string& path,
                                                                   bool resume);

// Checks that `path` can be written, then takes its lock (pipeline::CheckpointLock), refusing at
// once when another run holds it. Every command with --checkpoint (copy, export, import,
// replicate, migrate) calls this before it loads the checkpoint or writes anything (checkpoint,
// dead-letter file, CreateTable, export files), fresh run or resume, and keeps the lock until it
// ends. Returns nullopt, taking nothing, without a checkpoint (`path` empty) or for a run that
// writes nothing (`dry_run`). Errors are kInvalidInput, one line.
aws::Result<std::optional<pipeline::CheckpointLock>> LockRunCheckpoint(const std::string& path,
                                                                       bool dry_run = false);

// The segment count of a resumed run: the checkpoint's, since segment boundaries depend on
// TotalSegments. When --segments asked for another (`requested` > 0), says on stderr that it
// is not used.
int ResumedSegments(int requested, const pipeline::Checkpoint& checkpoint);

}  // namespace ddbm::commands
