#include "commands/dead_letters.h"

#include "commands/default_file.h"

namespace ddbm::commands {

std::string DeadLetterPath(const std::string& flag, std::string_view target_table) {
  if (!flag.empty()) return flag;
  return DefaultFileName(target_table, "-dead-letter.jsonl");
}

aws::Status PrepareDeadLetterFile(pipeline::DeadLetterFile& file, bool resume) {
  if (aws::Status s = file.CheckWritable(); !s.ok()) return s;
  if (!resume) return aws::Status::Ok();
  return file.IndexEarlierLines();
}

}  // namespace ddbm::commands
