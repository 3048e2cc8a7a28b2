#include "commands/run_checkpoint.h"

#include <fmt/format.h>

#include <iostream>

namespace ddbm::commands {

aws::Result<std::optional<pipeline::Checkpoint>> OpenRunCheckpoint(const std::string& path,
                                                                   bool resume) {
  if (aws::Status s = pipeline::CheckCheckpointWritable(path); !s.ok()) {
    return std::move(s).error();
  }
  aws::Result<std::optional<pipeline::Checkpoint>> loaded = pipeline::LoadCheckpoint(path);
  if (!loaded.ok()) return loaded;
  if (!resume && loaded->has_value()) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "checkpoint " + path +
                                " already exists; pass --resume to continue that run, or delete "
                                "the file to start over");
  }
  if (resume && !loaded->has_value()) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            "no checkpoint at " + path +
                                "; run without --resume to start, or give the path the earlier "
                                "run used");
  }
  return loaded;
}

aws::Result<std::optional<pipeline::CheckpointLock>> LockRunCheckpoint(const std::string& path,
                                                                       bool dry_run) {
  if (path.empty() || dry_run) return std::optional<pipeline::CheckpointLock>();
  if (aws::Status s = pipeline::CheckCheckpointWritable(path); !s.ok()) {
    return std::move(s).error();
  }
  aws::Result<pipeline::CheckpointLock> lock = pipeline::CheckpointLock::Acquire(path);
  if (!lock.ok()) return std::move(lock).error();
  return std::optional<pipeline::CheckpointLock>(std::move(*lock));
}

int ResumedSegments(int requested, const pipeline::Checkpoint& checkpoint) {
  if (requested > 0 && requested != checkpoint.total_segments) {
    std::cerr << fmt::format(
        "ddbmigrate: note: --segments {} is not used: a resume keeps the checkpoint's segment "
        "count, {}\n",
        requested, checkpoint.total_segments);
  }
  return checkpoint.total_segments;
}

}  // namespace ddbm::commands
