// The --checkpoint / --resume contract shared by the commands that resume a segmented run (copy,
// export): a fresh run never overwrites a checkpoint, a resume needs one.
#pragma once

#include <optional>
#include <string>

#include "aws/error.h"
#include "pipeline/checkpoint.h"

namespace ddbm::commands {

// Checks that `path` can be written, then: for a fresh run (`resume` false) refuses an existing
// checkpoint and returns nullopt; for a resume returns the checkpoint, or refuses a missing one.
// Errors are kInvalidInput, one line naming the path and what to do. The caller checks that the
// checkpoint is of its own run (operation, source, target).
aws::Result<std::optional<pipeline::Checkpoint>> OpenRunCheckpoint(const std::string& path,
                                                                   bool resume);

// The segment count of a resumed run: the checkpoint's, since segment boundaries depend on
// TotalSegments. When --segments asked for another (`requested` > 0), says on stderr that it
// is not used.
int ResumedSegments(int requested, const pipeline::Checkpoint& checkpoint);

}  // namespace ddbm::commands
