// The lines of an export's data files (docs/export-layout.md sections 4 and 5): a full export's
// {"Item":{...}} and an incremental export's {"Metadata":...,"Keys":...,"NewImage":...,
// "OldImage":...}. Values are returned as slices of the line, byte for byte. Errors are
// kInvalidInput saying what is wrong; the caller adds the file and line number. Pure;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "aws/error.h"

namespace ddbm::storage {

// The "Item" object of a full export's line.
aws::Result<std::string_view> ParseFullExportLine(std::string_view line);

struct IncrementalChange {
  int64_t write_timestamp_micros = 0;         // Metadata.WriteTimestampMicros
  std::string_view keys;                      // the primary key, a JSON object
  std::optional<std::string_view> new_image;  // absent for a delete
  bool has_old_image = false;
};

// One change of an incremental export's line. Member order does not matter.
aws::Result<IncrementalChange> ParseIncrementalLine(std::string_view line);

}  // namespace ddbm::storage
