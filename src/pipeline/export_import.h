// Importing exports into a table: the data files of a full export as puts, and the changes of
// an incremental export as puts and deletes in write-timestamp order.
//
// Nothing of a data file is written before the whole file is checked: its checksum against the
// manifest, its gzip stream, every line (JSON, the key attributes and their types against the
// target's key schema, values DynamoDB would accept) and its line count. A file larger than
// ImportOptions::range_bytes is not held but read twice, range by range: once to check it, once
// to write it (a file found changed on the second pass stops the import, with what was queued
// of it written but the file not reported). Several files are read at once and their batches go
// through one WritePool. A file counts as imported once every one
// of its items is acknowledged (written or dead-lettered); only then is it reported, so a
// checkpoint of reported files never skips unwritten work.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "aws/error.h"
#include "aws/retry.h"
#include "dynamodb/client.h"
#include "dynamodb/types.h"
#include "pipeline/batch_writer.h"
#include "pipeline/dead_letter.h"
#include "pipeline/rate_limiter.h"
#include "storage/data_file_reader.h"
#include "storage/export_reader.h"
#include "storage/object_store.h"

namespace ddbm::pipeline {

// Collaborators; all must outlive the call.
struct ImportContext {
  const storage::ObjectStore* store = nullptr;
  const dynamodb::DynamoDbClient* target = nullptr;
  const aws::RetryPolicy* write_policy = nullptr;
  DeadLetterFile* dead_letters = nullptr;   // null: an item the target refuses stops the run
  RateLimiter* write_limiter = nullptr;     // null: unlimited
  const std::atomic<bool>* stop = nullptr;  // polled; may be null
};

struct ImportOptions {
  std::string table;
  std::vector<dynamodb::KeySchemaElement> key_schema;  // the target's
  int writers = 16;
  int file_readers = 4;  // data files read and checked at once
  // Files up to this size are held while imported; larger ones are read a range at a time.
  size_t range_bytes = storage::DataFileReader::kDefaultRangeBytes;
  size_t queue_bytes = size_t{8} << 20;
  // Ask for ConsumedCapacity on every BatchWriteItem (done anyway under a write limiter).
  bool consumed_capacity = true;
  // Refuse a full export's data file holding an item whose key in key_schema is that of an
  // item of an earlier line: the sign of a table keyed otherwise than the export's, where the
  // items would overwrite each other. Costs a 16-byte digest per item in a hash set, about 40
  // bytes of memory per item, for the first max_keys_across_files items across files, then
  // within each file only (where the items of one partition key usually are), so that memory
  // stays bounded however large the export; the files a resumed import skips are not read, so
  // their keys are not compared. Turn it off only when the export is
  // known to come from a table keyed by key_schema (its keys are then unique).
  bool check_duplicate_keys = true;
  size_t max_keys_across_files = 2'000'000;  // about 80 MB
};

struct ImportCounters {
  std::atomic<uint64_t> files_done{0};
  std::atomic<uint64_t> items_read{0};  // lines (items or changes) read and checked
  std::atomic<uint64_t> compressed_bytes{0};
  std::atomic<uint64_t> deletes{0};  // incremental deletes applied
  std::atomic<uint64_t> items_dead_lettered{0};
  WriteCounters writes;
};

// Told the key of each data file whose items are all acknowledged, and how many of them went
// to the dead-letter file, one call at a time. A non-ok Status stops the import (e.g. the
// checkpoint could not be saved).
using FileDoneCallback =
    std::function<aws::Status(const std::string& data_file_key, uint64_t dead_lettered)>;

// Imports the files of full export `manifest` not in `skip` (see check_duplicate_keys for the
// key check). Returns true when stopped early on request. A bad file stops the import from starting
// more files, while the files already checked are still written and reported; a failed write stops
// everything at once. Either way the error is returned, and the files reported stay imported.
aws::Result<bool> ImportFullExport(const ImportContext& context,
                                   const storage::ExportManifest& manifest,
                                   const ImportOptions& options, const std::set<std::string>& skip,
                                   const FileDoneCallback& on_file_done, ImportCounters* counters);

// Applies incremental export `manifest`: every line of every file is read and checked first,
// then, per key, the last change by (WriteTimestampMicros, file order, line) is applied: a put
// of its NewImage, or a delete of its key. Holds in memory, per key the export changes, where
// its last change is (not the change: the files are read a second time to write it, and that
// read hands out only what the first checked). Returns true when stopped early on request (the
// export must then be applied again, as after an error of the second read).
aws::Result<bool> ApplyIncrementalExport(const ImportContext& context,
                                         const storage::ExportManifest& manifest,
                                         const ImportOptions& options, ImportCounters* counters);

}  // namespace ddbm::pipeline
