// The manifests of AWS's "Export to S3" layout (see docs/export-layout.md): manifest-files.json
// (one JSON line per data file) and manifest-summary.json (one compact JSON object), and the
// checksums they carry (computed with storage/md5.h: Md5Base64, SinglePartEtag). Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "storage/md5.h"  // Md5Base64, SinglePartEtag for callers of this header

namespace ddbm::storage {

// One line of manifest-files.json.
struct DataFileEntry {
  int64_t item_count = 0;
  std::string md5_checksum;
  std::string etag;
  std::string data_file_s3_key;  // the full key, prefix included
};

// JSON lines in AWS's member order, each ending with a newline.
std::string SerializeManifestFiles(const std::vector<DataFileEntry>& entries);
// kInvalidInput naming `path` and the line number when a line is not such an entry.
aws::Result<std::vector<DataFileEntry>> ParseManifestFiles(std::string_view text,
                                                           const std::string& path);

// manifest-summary.json of a full or an incremental export. Optional members are written as
// null when unset; an incremental export (export_type INCREMENTAL_EXPORT) has export_from_time,
// export_to_time and output_view instead of export_time.
struct ManifestSummary {
  std::string version = "2020-06-30";
  std::string export_arn;
  std::string start_time;  // "2024-05-14T11:14:20.608Z": UTC with milliseconds
  std::string end_time;
  std::string table_arn;
  std::optional<std::string> table_id;
  std::string export_time;                      // full exports only
  std::optional<std::string> export_from_time;  // incremental only: window start, inclusive
  std::optional<std::string> export_to_time;    // incremental only: window end, exclusive
  std::optional<std::string> s3_bucket;
  std::optional<std::string> s3_prefix;
  std::optional<std::string> s3_sse_algorithm;
  std::optional<std::string> s3_sse_kms_key_id;
  std::string manifest_files_s3_key;
  int64_t billed_size_bytes = 0;
  int64_t item_count = 0;
  std::string output_format = "DYNAMODB_JSON";  // or ION
  std::optional<std::string> output_view;       // incremental only: NEW_AND_OLD_IMAGES...
  std::optional<std::string> export_type;       // INCREMENTAL_EXPORT; absent for full exports

  bool incremental() const { return export_type == "INCREMENTAL_EXPORT"; }
};

// One line of compact JSON, members in AWS's order, no trailing newline.
std::string SerializeManifestSummary(const ManifestSummary& summary);
// kInvalidInput naming `path` when the text is not a manifest summary (missing
// manifestFilesS3Key or outputFormat, a member of the wrong type).
aws::Result<ManifestSummary> ParseManifestSummary(std::string_view text, const std::string& path);

}  // namespace ddbm::storage
