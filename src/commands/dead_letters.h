// The dead-letter file of the commands that write items (copy, import, replicate, migrate).
#pragma once

#include <string>
#include <string_view>

#include "aws/error.h"
#include "pipeline/dead_letter.h"

namespace ddbm::commands {

// --dead-letter when given (`flag`), else ddbmigrate-<target_table>-dead-letter.jsonl.
std::string DeadLetterPath(const std::string& flag, std::string_view target_table);

// Checks before any work that `file` can be written; for a resumed run (`resume`), also indexes
// the lines the earlier run appended, so that the items of unacknowledged work it dead-lettered
// are not appended again when that work is redone. Errors are one line naming the file.
aws::Status PrepareDeadLetterFile(pipeline::DeadLetterFile& file, bool resume);

}  // namespace ddbm::commands
