// The dead-letter file of the commands that write items (copy, import, replicate, migrate).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "aws/json_writer.h"
#include "pipeline/dead_letter.h"

namespace ddbm::commands {

// What a resumed run's checkpoint says of the dead-letter file of the runs it continues.
struct EarlierDeadLetterFile {
  std::string checkpoint;  // the checkpoint's path, for messages
  std::string file;        // absolute; empty when not recorded (a checkpoint of an older version)
  uint64_t dead_lettered = 0;  // items (or records) the checkpoint counts as dead-lettered
};

// The dead-letter file of a run.
struct DeadLetterChoice {
  std::string path;      // to open: --dead-letter as given, or the file the checkpoint names
  std::string absolute;  // to record in the run's checkpoint
  // The file the checkpoint names, when it is gone and held items the checkpoint counts; give
  // it to the run's file (DeadLetterFile::set_earlier_file_gone) for the messages.
  std::string earlier_gone;
};

// --dead-letter when given (`flag`), else the file of the runs a resume continues (`earlier`;
// null for a fresh run, or a resume whose predecessors wrote nothing), else
// ddbmigrate-<target_table>-dead-letter.jsonl (cut by DefaultFileName for the longest names). A
// resume given another --dead-letter than the file its checkpoint names (not that file by
// another name, a link to it: that is taken as the named file) is refused (kInvalidInput, one
// line naming that file) while that file exists; when it is gone, the chosen file is taken
// (with or without the flag), with a warning on stderr when the checkpoint counts items in the
// missing one, and DeadLetterChoice::earlier_gone set.
aws::Result<DeadLetterChoice> ChooseDeadLetterFile(const std::string& flag,
                                                   std::string_view target_table,
                                                   const EarlierDeadLetterFile* earlier);

// Where the items a run counts as not written are, to follow "... could not be written; ":
// "see the dead-letter file F", or, when the earlier runs' file is gone
// (DeadLetterFile::earlier_file_gone), where each part is. `this_run` items went into `file`,
// `earlier` were dead-lettered by the runs a resume continues.
std::string DeadLetterWhere(const pipeline::DeadLetterFile& file, uint64_t this_run,
                            uint64_t earlier);
// The file holding the items the earlier runs dead-lettered, for a message: its path, or the
// gone file's path followed by ", moved or deleted since".
std::string EarlierDeadLetters(const pipeline::DeadLetterFile& file);
// The JSON summary's members for them: "DeadLetterFile" when that file holds any of them, and
// "EarlierDeadLetterFileGone" when the earlier runs' items are in a file that is gone.
void AddDeadLetterMembers(aws::JsonWriter& w, const pipeline::DeadLetterFile& file,
                          uint64_t this_run, uint64_t earlier);

// Checks before any work that `file` can be written; for a resumed run (`resume`), also indexes
// the lines the earlier run appended, so that the items of unacknowledged work it dead-lettered
// are not appended again when that work is redone. Errors are one line naming the file.
aws::Status PrepareDeadLetterFile(pipeline::DeadLetterFile& file, bool resume);

}  // namespace ddbm::commands
