#include "storage/export_manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ddbm::storage {
namespace {

namespace fs = std::filesystem;

// A real full export by AWS (see testdata/refdata/export/PROVENANCE.md).
const fs::path kExport = fs::path(DDBM_REFDATA_DIR) / "export" / "scylla-migrator" / "test-bucket" /
                         "dynamodb-export" / "AWSDynamoDB" / "01715685260608-c488b4e1";

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ExportManifestTest, ChecksumsMatchTheRealExport) {
  const std::string data = ReadAll(kExport / "data" / "uimbi7eofu2b5kzkxe63gsvb6i.json.gz");
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(Md5Base64(data), "rzAeIrtALbOlNdK5Hh8tgA==");
  EXPECT_EQ(SinglePartEtag(data), "d1663e415aedcbf3c4977cde7002d2bf-1");
}

TEST(ExportManifestTest, Md5OfNothing) { EXPECT_EQ(Md5Base64(""), "1B2M2Y8AsgTpgAmY7PhCfg=="); }

TEST(ExportManifestTest, RealManifestFilesRoundTripByteForByte) {
  const std::string text = ReadAll(kExport / "manifest-files.json");
  aws::Result<std::vector<DataFileEntry>> entries = ParseManifestFiles(text, "manifest-files.json");
  ASSERT_TRUE(entries.ok()) << entries.error().ToString();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].item_count, 3);
  EXPECT_EQ((*entries)[0].md5_checksum, "rzAeIrtALbOlNdK5Hh8tgA==");
  EXPECT_EQ((*entries)[0].data_file_s3_key,
            "dynamodb-export/AWSDynamoDB/01715685260608-c488b4e1/data/"
            "uimbi7eofu2b5kzkxe63gsvb6i.json.gz");
  EXPECT_EQ(SerializeManifestFiles(*entries), text);
}

TEST(ExportManifestTest, RealManifestSummaryRoundTripsByteForByte) {
  std::string text = ReadAll(kExport / "manifest-summary.json");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  aws::Result<ManifestSummary> summary = ParseManifestSummary(text, "manifest-summary.json");
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(summary->item_count, 3);
  EXPECT_EQ(summary->output_format, "DYNAMODB_JSON");
  EXPECT_EQ(summary->s3_sse_kms_key_id, std::nullopt);
  EXPECT_EQ(summary->s3_prefix, std::optional<std::string>("dynamodb-export"));
  EXPECT_EQ(SerializeManifestSummary(*summary), text);
}

// An encrypted export's summary names the algorithm as ExportTableToPointInTime does ("KMS",
// not S3's "aws:kms") and the key as given, after s3Prefix as AWS writes them.
TEST(ExportManifestTest, SummaryRecordsServerSideEncryption) {
  ManifestSummary summary;
  summary.manifest_files_s3_key = "p/AWSDynamoDB/x/manifest-files.json";
  summary.s3_bucket = "b-1";
  summary.s3_prefix = "p";
  summary.s3_sse_algorithm = "KMS";
  summary.s3_sse_kms_key_id = "alias/exports";
  const std::string text = SerializeManifestSummary(summary);
  EXPECT_NE(text.find("\"s3Prefix\":\"p\",\"s3SseAlgorithm\":\"KMS\","
                      "\"s3SseKmsKeyId\":\"alias/exports\""),
            std::string::npos)
      << text;
  aws::Result<ManifestSummary> parsed = ParseManifestSummary(text, "s.json");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->s3_sse_algorithm, std::optional<std::string>("KMS"));
  EXPECT_EQ(parsed->s3_sse_kms_key_id, std::optional<std::string>("alias/exports"));

  summary.s3_sse_algorithm = "AES256";
  summary.s3_sse_kms_key_id.reset();
  EXPECT_NE(SerializeManifestSummary(summary).find(
                "\"s3SseAlgorithm\":\"AES256\",\"s3SseKmsKeyId\":null"),
            std::string::npos);
}

TEST(ExportManifestTest, BadManifestFilesNameTheLine) {
  aws::Result<std::vector<DataFileEntry>> r = ParseManifestFiles(
      "{\"itemCount\":1,\"md5Checksum\":\"x\",\"dataFileS3Key\":\"a\"}\nnot json\n", "m.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("m.json: line 2"), std::string::npos) << r.error().message;
  r = ParseManifestFiles("{\"itemCount\":-1,\"md5Checksum\":\"x\",\"dataFileS3Key\":\"a\"}\n",
                         "m.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("itemCount"), std::string::npos);
}

TEST(ExportManifestTest, BadManifestSummary) {
  EXPECT_FALSE(ParseManifestSummary("[]", "s.json").ok());
  EXPECT_FALSE(ParseManifestSummary("{\"itemCount\":1}", "s.json").ok());
  aws::Result<ManifestSummary> r = ParseManifestSummary(
      "{\"manifestFilesS3Key\":\"k\",\"outputFormat\":7,\"itemCount\":1}", "s.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("s.json"), std::string::npos);
}

}  // namespace
}  // namespace ddbm::storage

namespace ddbm::storage {
namespace {

TEST(ExportManifestTest, IncrementalSummaryRoundTripsByteForByte) {
  const fs::path dir = fs::path(DDBM_REFDATA_DIR) / "export" / "derived-incremental" /
                       "AWSDynamoDB" / "01790000100000-5a1e2b3c";
  const std::string text = ReadAll(dir / "manifest-summary.json");
  aws::Result<ManifestSummary> summary = ParseManifestSummary(text, "manifest-summary.json");
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_TRUE(summary->incremental());
  EXPECT_EQ(summary->export_from_time.value_or(""), "2026-09-22T10:00:00.000Z");
  EXPECT_EQ(summary->export_to_time.value_or(""), "2026-09-22T10:15:00.000Z");
  EXPECT_EQ(summary->output_view.value_or(""), "NEW_AND_OLD_IMAGES");
  EXPECT_EQ(SerializeManifestSummary(*summary), text);
  EXPECT_EQ(Md5Base64(text), ReadAll(dir / "manifest-summary.md5"));
}

}  // namespace
}  // namespace ddbm::storage
