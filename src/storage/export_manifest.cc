#include "storage/export_manifest.h"

#include <simdjson.h>

#include "aws/json_writer.h"

namespace ddbm::storage {
namespace {

aws::Error Invalid(const std::string& path, const std::string& what) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, path + ": " + what);
}

// A string member, nullopt when absent or null; false when present with another type.
bool OptionalString(simdjson::dom::object o, std::string_view key,
                    std::optional<std::string>* out) {
  simdjson::dom::element e;
  if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) return true;
  std::string_view text;
  if (e.get_string().get(text) != simdjson::SUCCESS) return false;
  *out = std::string(text);
  return true;
}

void MemberOrNull(aws::JsonWriter& w, std::string_view key, const std::optional<std::string>& v) {
  w.Key(key);
  if (v) {
    w.String(*v);
  } else {
    w.Null();
  }
}

}  // namespace

std::string SerializeManifestFiles(const std::vector<DataFileEntry>& entries) {
  std::string out;
  for (const DataFileEntry& e : entries) {
    aws::JsonWriter w(&out);
    w.BeginObject()
        .MemberInt("itemCount", e.item_count)
        .Member("md5Checksum", e.md5_checksum)
        .Member("etag", e.etag)
        .Member("dataFileS3Key", e.data_file_s3_key)
        .EndObject();
    out += '\n';
  }
  return out;
}

aws::Result<std::vector<DataFileEntry>> ParseManifestFiles(std::string_view text,
                                                           const std::string& path) {
  std::vector<DataFileEntry> entries;
  simdjson::dom::parser parser;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const std::string where = "line " + std::to_string(line_number);
    simdjson::dom::object o;
    if (parser.parse(simdjson::padded_string(line)).get(o) != simdjson::SUCCESS) {
      return Invalid(path, where + " is not a JSON object");
    }
    DataFileEntry e;
    std::string_view md5, etag, key;
    if (o["itemCount"].get(e.item_count) != simdjson::SUCCESS || e.item_count < 0) {
      return Invalid(path, where + ": itemCount is missing or not a count");
    }
    if (o["md5Checksum"].get(md5) != simdjson::SUCCESS || md5.empty()) {
      return Invalid(path, where + ": md5Checksum is missing");
    }
    if (o["dataFileS3Key"].get(key) != simdjson::SUCCESS || key.empty()) {
      return Invalid(path, where + ": dataFileS3Key is missing");
    }
    // Optional: only checkable for one-part uploads.
    if (o["etag"].get(etag) != simdjson::SUCCESS) etag = {};
    e.md5_checksum = std::string(md5);
    e.etag = std::string(etag);
    e.data_file_s3_key = std::string(key);
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string SerializeManifestSummary(const ManifestSummary& s) {
  std::string out;
  aws::JsonWriter w(&out);
  w.BeginObject()
      .Member("version", s.version)
      .Member("exportArn", s.export_arn)
      .Member("startTime", s.start_time)
      .Member("endTime", s.end_time)
      .Member("tableArn", s.table_arn);
  MemberOrNull(w, "tableId", s.table_id);
  if (s.incremental()) {
    MemberOrNull(w, "exportFromTime", s.export_from_time);
    MemberOrNull(w, "exportToTime", s.export_to_time);
  } else {
    w.Member("exportTime", s.export_time);
  }
  MemberOrNull(w, "s3Bucket", s.s3_bucket);
  MemberOrNull(w, "s3Prefix", s.s3_prefix);
  MemberOrNull(w, "s3SseAlgorithm", s.s3_sse_algorithm);
  MemberOrNull(w, "s3SseKmsKeyId", s.s3_sse_kms_key_id);
  w.Member("manifestFilesS3Key", s.manifest_files_s3_key)
      .MemberInt("billedSizeBytes", s.billed_size_bytes)
      .MemberInt("itemCount", s.item_count)
      .Member("outputFormat", s.output_format);
  if (s.incremental()) MemberOrNull(w, "outputView", s.output_view);
  if (s.export_type) w.Member("exportType", *s.export_type);
  w.EndObject();
  return out;
}

aws::Result<ManifestSummary> ParseManifestSummary(std::string_view text, const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(simdjson::padded_string(text)).get(o) != simdjson::SUCCESS) {
    return Invalid(path, "not a JSON object; is this an export's manifest-summary.json?");
  }
  ManifestSummary s;
  std::optional<std::string> version, export_arn, start_time, end_time, table_arn, export_time,
      files_key, format;
  bool ok =
      OptionalString(o, "version", &version) && OptionalString(o, "exportArn", &export_arn) &&
      OptionalString(o, "startTime", &start_time) && OptionalString(o, "endTime", &end_time) &&
      OptionalString(o, "tableArn", &table_arn) && OptionalString(o, "tableId", &s.table_id) &&
      OptionalString(o, "exportTime", &export_time) &&
      OptionalString(o, "exportFromTime", &s.export_from_time) &&
      OptionalString(o, "exportToTime", &s.export_to_time) &&
      OptionalString(o, "outputView", &s.output_view) &&
      OptionalString(o, "s3Bucket", &s.s3_bucket) && OptionalString(o, "s3Prefix", &s.s3_prefix) &&
      OptionalString(o, "s3SseAlgorithm", &s.s3_sse_algorithm) &&
      OptionalString(o, "s3SseKmsKeyId", &s.s3_sse_kms_key_id) &&
      OptionalString(o, "manifestFilesS3Key", &files_key) &&
      OptionalString(o, "outputFormat", &format) && OptionalString(o, "exportType", &s.export_type);
  if (!ok) return Invalid(path, "a member holds a value of the wrong type");
  if (!files_key || !format) {
    return Invalid(path, "manifestFilesS3Key or outputFormat is missing");
  }
  s.version = version.value_or("");
  s.export_arn = export_arn.value_or("");
  s.start_time = start_time.value_or("");
  s.end_time = end_time.value_or("");
  s.table_arn = table_arn.value_or("");
  s.export_time = export_time.value_or("");
  s.manifest_files_s3_key = *files_key;
  s.output_format = *format;
  if (o["billedSizeBytes"].get(s.billed_size_bytes) != simdjson::SUCCESS) s.billed_size_bytes = 0;
  if (o["itemCount"].get(s.item_count) != simdjson::SUCCESS) {
    return Invalid(path, "itemCount is missing");
  }
  return s;
}

}  // namespace ddbm::storage
