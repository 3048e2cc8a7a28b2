// TableExport: scans a table in parallel segments into the data files of a full export (AWS's
// layout: one `{"Item":...}` line per item, gzip), and returns the manifest entries.
//
// Each segment writes its own data files, so no lock is taken per item; a segment starts a new
// file once the current one holds max_file_bytes of uncompressed lines, and every segment
// leaves at least one file (an empty partition gives an empty gzip, as AWS's exports do).
// Memory holds one page and about one MB of compressed output per segment.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "aws/error.h"
#include "dynamodb/client.h"
#include "pipeline/parallel_scan.h"
#include "pipeline/rate_limiter.h"
#include "storage/export_manifest.h"
#include "storage/object_store.h"

namespace ddbm::pipeline {

struct TableExportOptions {
  std::string table_name;
  int segments = 8;
  int page_size = 0;  // Scan Limit; 0: 1 MB pages
  bool consistent_read = false;
  // Key prefix of the data files, e.g. "p/AWSDynamoDB/<ExportId>/data/".
  std::string data_folder;
  int gzip_level = 6;
  uint64_t max_file_bytes = uint64_t{256} << 20;
  // Gives a new data file name (e.g. storage::NewDataFileName); called from segment threads,
  // so it must be thread-safe.
  std::function<std::string()> new_file_name;
};

struct TableExportCounters {
  ScanCounters scan;
  std::atomic<uint64_t> files{0};
  std::atomic<uint64_t> uncompressed_bytes{0};
  std::atomic<uint64_t> compressed_bytes{0};
};

struct TableExportResult {
  bool interrupted = false;  // stopped on request: the files are incomplete, write no manifest
  std::vector<storage::DataFileEntry> files;  // by segment, then in writing order
};

// Runs the export to its end or to `stop` (may be null). `limiter` may be null. The store and
// client must outlive the call. A failed or interrupted export leaves the finished data files
// in place (no manifest names them).
aws::Result<TableExportResult> ExportTable(const dynamodb::DynamoDbClient& client,
                                           storage::ObjectStore& store,
                                           const TableExportOptions& options, RateLimiter* limiter,
                                           const std::atomic<bool>* stop,
                                           TableExportCounters* counters);

}  // namespace ddbm::pipeline
