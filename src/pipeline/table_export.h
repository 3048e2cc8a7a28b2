// TableExport: scans a table in parallel segments into the data files of a full export (AWS's
// layout: one `{"Item":...}` line per item, gzip), and returns the manifest entries.
//
// Each segment writes its own data files, so no lock is taken per item; a segment starts a new
// file after the page that brings the current one to max_file_bytes of uncompressed lines, and
// every segment leaves at least one file (an empty partition gives an empty gzip, as AWS's
// exports do). Memory holds one page and about one MB of compressed output per segment.
//
// Files end at page boundaries so that a finished file's position is a Scan LastEvaluatedKey:
// with a checkpoint, each finished file is recorded with its segment's position (the segment's
// state holds its finished files and their sizes), and a resumed export continues every
// segment after its last finished file, into new files, after deleting the data files the
// checkpoint does not name and aborting the uploads of data files a killed run left unfinished.
// A resume whose checkpoint names finished files that are gone from the folder is refused.
// A stop (Ctrl-C) finishes the files being written, so nothing read is read again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/clock.h"
#include "aws/error.h"
#include "dynamodb/client.h"
#include "pipeline/checkpoint.h"
#include "pipeline/parallel_scan.h"
#include "pipeline/rate_limiter.h"
#include "storage/export_manifest.h"
#include "storage/object_store.h"

namespace ddbm::pipeline {

struct TableExportOptions {
  std::string table_name;
  int segments = 8;
  // Segments read at once, each writing its own data file: what bounds the threads, the open
  // files and their buffers, however many segments.
  int readers = 8;
  int page_size = 0;  // Scan Limit; 0: 1 MB pages
  bool consistent_read = false;
  bool return_consumed_capacity = false;  // on every Scan (under a rate limit they always do)
  // Key prefix of the data files, e.g. "p/AWSDynamoDB/<ExportId>/data/".
  std::string data_folder;
  int gzip_level = 6;
  uint64_t max_file_bytes = uint64_t{256} << 20;
  // Gives a new data file name (e.g. storage::NewDataFileName); called from segment threads,
  // so it must be thread-safe.
  std::function<std::string()> new_file_name;
  // Where to save the checkpoint; empty: nowhere. It is saved before the first Scan (and after
  // a resume's clean-up), when a data file is finished and checkpoint_interval has passed since
  // the last save (so that its size, which grows with the files, does not make saving
  // quadratic), and once more when the export ends, stops or fails.
  // `source` and `target` identify the export in it (e.g. the table's ARN and the export folder).
  std::string checkpoint_path;
  std::chrono::milliseconds checkpoint_interval{1000};
  aws::Clock* clock = aws::Clock::Real();  // for the interval; must outlive the call
  std::string checkpoint_source;
  TableIdentity checkpoint_source_identity;  // recorded as Checkpoint::source_identity
  std::string checkpoint_target;
  // The encryption the data files are written with (see Checkpoint::s3_sse_algorithm), recorded
  // so that a resume can refuse to mix encryptions in one export.
  std::string checkpoint_s3_sse_algorithm;
  std::string checkpoint_s3_sse_kms_key_id;
  // Set to resume: an earlier run's checkpoint of this export; it decides the segments.
  std::optional<Checkpoint> resume;
  // Objects (key, bytes) put once the first checkpoint is saved and before the first Scan (the
  // export's _started and table description): a run killed at any instant after putting them
  // has a checkpoint to resume from. A failed put fails the export, and on a fresh run (not a
  // resume) removes the checkpoint just saved.
  std::vector<std::pair<std::string, std::string>> start_objects;
  // Called once before the first Scan, after a resume's checks and clean-up (so that a refused
  // resume has not announced itself); may be empty.
  std::function<void()> on_start;
};

struct TableExportCounters {
  ScanCounters scan;
  std::atomic<uint64_t> files{0};
  std::atomic<uint64_t> uncompressed_bytes{0};
  std::atomic<uint64_t> compressed_bytes{0};
};

struct TableExportResult {
  bool interrupted = false;  // stopped on request: the export is incomplete, write no manifest
  std::vector<storage::DataFileEntry> files;  // by segment, then in writing order; all so far
  // Of `files`, which hold every run's finished files: their items (what the manifest counts)
  // and their bytes as stored (gzip) and as JSON lines. TableExportCounters count this run's.
  int64_t item_count = 0;
  uint64_t compressed_bytes = 0;
  uint64_t uncompressed_bytes = 0;
  // The items of `files` that earlier runs had finished (those `resume` records); the others
  // are this run's.
  int64_t items_from_earlier_runs = 0;
  Checkpoint checkpoint;           // the final position of every segment
  size_t stale_files_deleted = 0;  // data files of the resumed run its checkpoint did not name
  // Uploads of data files the stopped run left unfinished (S3 multipart uploads, temporary
  // files in a directory), aborted before this run started writing.
  size_t incomplete_uploads_aborted = 0;
};

// The code of the error a resume fails with when data files its checkpoint records as finished
// are gone from the folder (nothing is deleted, scanned or saved then).
inline constexpr std::string_view kMissingDataFiles = "MissingDataFiles";

// Runs the export to its end or to `stop` (may be null). `limiter` may be null. The store and
// client must outlive the call. A failed or interrupted export leaves the finished data files
// in place (no manifest names them; the checkpoint does). kInvalidInput when `resume` holds a
// segment state that is not this module's, or (code kMissingDataFiles) files it records as
// finished are not in the data folder.
aws::Result<TableExportResult> ExportTable(const dynamodb::DynamoDbClient& client,
                                           storage::ObjectStore& store,
                                           const TableExportOptions& options, RateLimiter* limiter,
                                           const std::atomic<bool>* stop,
                                           TableExportCounters* counters);

}  // namespace ddbm::pipeline
