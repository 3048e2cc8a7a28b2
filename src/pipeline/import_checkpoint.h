// ImportCheckpoint: the resume state of an import, saved as one JSON file:
//
//   {"Version":1,"Operation":"import","Source":"s3://b/p","Target":"orders",
//    "Exports":[{"ExportId":"01715685260608-c488b4e1","Done":false,
//                "Files":["p/AWSDynamoDB/01715685260608-c488b4e1/data/uimb...json.gz"]}],
//    "DeadLetterFile":"/abs/path.jsonl",
//    "DeadLettered":2,     (only when not 0)
//    "CreatingTarget":true,  (only when set)
//    "TargetTable":{"TableArn":...}}  (see table_identity.h; once the target exists)
//
// A data file is listed only once all its items are acknowledged; an export is Done once all
// of it is (for an incremental export, only that: it is applied again as a whole otherwise).
// Saved atomically (see checkpoint.h).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "pipeline/table_identity.h"

namespace ddbm::pipeline {

struct ImportCheckpoint {
  struct Export {
    std::string export_id;
    bool done = false;
    std::set<std::string> files;  // data file keys fully imported
  };
  std::string source;
  std::string target;
  std::vector<Export> exports;
  // The absolute path of the runs' dead-letter file; empty in checkpoints of older versions.
  std::string dead_letter_file;
  // Items of the files and exports listed as imported that went to the dead-letter file.
  uint64_t dead_lettered = 0;
  // Saved so before the run creates its target table: a resume finishes the table (or creates
  // it) first. Nothing is imported while it is set.
  bool creating_target = false;
  // The target table once it exists (not known in checkpoints of older versions): a resume
  // checks it with CheckSameTable.
  TableIdentity target_identity;

  // The entry for `export_id`, added when missing.
  Export& For(const std::string& export_id);
};

std::string SerializeImportCheckpoint(const ImportCheckpoint& checkpoint);
// kInvalidInput naming `path` when the text is not an import checkpoint.
aws::Result<ImportCheckpoint> ParseImportCheckpoint(std::string_view text, const std::string& path);

}  // namespace ddbm::pipeline
