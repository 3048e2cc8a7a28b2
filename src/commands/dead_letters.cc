#include "commands/dead_letters.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <system_error>

#include "commands/default_file.h"
#include "commands/output.h"

namespace ddbm::commands {

aws::Result<DeadLetterChoice> ChooseDeadLetterFile(const std::string& flag,
                                                   std::string_view target_table,
                                                   const EarlierDeadLetterFile* earlier) {
  DeadLetterChoice choice;
  choice.path = flag.empty() ? DefaultFileName(target_table, "-dead-letter.jsonl") : flag;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(choice.path, ec);
  choice.absolute = ec ? choice.path : absolute.lexically_normal().string();
  if (earlier == nullptr || earlier->file.empty()) return choice;
  if (flag.empty()) choice = DeadLetterChoice{earlier->file, earlier->file, ""};
  const bool earlier_exists = std::filesystem::exists(earlier->file, ec);
  // The same file by another name (a symbolic link, a hard link) is that file, and keeps the
  // name the checkpoint records.
  if (earlier_exists && earlier->file != choice.absolute &&
      std::filesystem::equivalent(earlier->file, choice.path, ec)) {
    choice.path = earlier->file;
    choice.absolute = earlier->file;
  }
  if (earlier_exists && earlier->file != choice.absolute) {
    return aws::Error::Make(
        aws::ErrorKind::kInvalidInput,
        fmt::format("checkpoint {} continues runs whose dead-letter file is {}, not {}; resume "
                    "with --dead-letter {} (or without --dead-letter)",
                    earlier->checkpoint, earlier->file, choice.path, earlier->file));
  }
  // Gone (the checkpoint was moved, or the file deleted): nothing to append to or to compare
  // with, so the chosen file is taken (made anew when it is the same), and what is lost is said.
  if (!earlier_exists && earlier->dead_lettered > 0) {
    choice.earlier_gone = earlier->file;
    std::cerr << fmt::format(
        "ddbmigrate: warning: dead-letter file {}, which checkpoint {} names, no longer exists; "
        "{} lacks the {} the checkpoint counts as dead-lettered by earlier runs\n",
        earlier->file, earlier->checkpoint, choice.path, Counted(earlier->dead_lettered, "item"));
  }
  return choice;
}

std::string DeadLetterWhere(const pipeline::DeadLetterFile& file, uint64_t this_run,
                            uint64_t earlier) {
  if (file.earlier_file_gone().empty() || earlier == 0) {
    return "see the dead-letter file " + file.path();
  }
  if (this_run == 0) {
    return fmt::format("they were in the dead-letter file {}", EarlierDeadLetters(file));
  }
  return fmt::format(
      "see the dead-letter file {} for the {} of this run; the earlier runs' {} "
      "were in {}",
      file.path(), this_run, earlier, EarlierDeadLetters(file));
}

std::string EarlierDeadLetters(const pipeline::DeadLetterFile& file) {
  if (file.earlier_file_gone().empty()) return file.path();
  return file.earlier_file_gone() + ", moved or deleted since";
}

void AddDeadLetterMembers(aws::JsonWriter& w, const pipeline::DeadLetterFile& file,
                          uint64_t this_run, uint64_t earlier) {
  const bool gone = !file.earlier_file_gone().empty() && earlier > 0;
  if (this_run > 0 || (earlier > 0 && !gone)) w.Member("DeadLetterFile", file.path());
  if (gone) w.Member("EarlierDeadLetterFileGone", file.earlier_file_gone());
}

aws::Status PrepareDeadLetterFile(pipeline::DeadLetterFile& file, bool resume) {
  if (aws::Status s = file.CheckWritable(); !s.ok()) return s;
  if (!resume) return aws::Status::Ok();
  return file.IndexEarlierLines();
}

}  // namespace ddbm::commands
