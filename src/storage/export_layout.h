// Names and keys of AWS's "Export to S3" layout (docs/export-layout.md sections 1 and 8): where
// an export's manifests and data files live under a prefix, how export ids and data file names
// are formed, and the millisecond timestamps the manifests carry. Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace ddbm::storage {

// "<prefix>/AWSDynamoDB/", or "AWSDynamoDB/" for an empty prefix. `prefix` has no leading or
// trailing '/'.
std::string ExportsRoot(std::string_view prefix);
// "<prefix>/AWSDynamoDB/<export_id>/".
std::string ExportFolder(std::string_view prefix, std::string_view export_id);
// Where a full export's data files go: "<prefix>/AWSDynamoDB/<export_id>/data/".
std::string FullExportDataFolder(std::string_view prefix, std::string_view export_id);

// Member files of an export folder.
inline constexpr std::string_view kStartedFile = "_started";
inline constexpr std::string_view kManifestSummaryFile = "manifest-summary.json";
inline constexpr std::string_view kManifestFilesFile = "manifest-files.json";
// Written by ddbmigrate beside AWS's files: the table's description, so an import can recreate
// the table. AWS's own exports have none.
inline constexpr std::string_view kTableDescriptionFile = "ddbmigrate-table.json";

// The export id AWS forms: the start time in milliseconds, zero-padded to 14 digits, "-", 8
// random lowercase hex digits. REQUIRES: `random` is not shared with another thread.
std::string NewExportId(std::chrono::system_clock::time_point start, std::mt19937_64& random);
// A data file name: 128 random bits as 26 lowercase unpadded base32 characters, then ".json.gz".
std::string NewDataFileName(std::mt19937_64& random);
// Whether `text` looks like an export id (14 digits, '-', 8 lowercase hex digits).
bool IsExportId(std::string_view text);

// "2024-05-14T11:14:20.608Z": UTC, always three fraction digits.
std::string FormatIso8601Millis(std::chrono::system_clock::time_point time);

}  // namespace ddbm::storage
