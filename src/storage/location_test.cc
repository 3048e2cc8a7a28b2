#include "storage/location.h"

#include <gtest/gtest.h>

namespace ddbm::storage {
namespace {

Location Parse(std::string_view text) {
  aws::Result<Location> location = ParseLocation(text);
  EXPECT_TRUE(location.ok()) << text << ": " << location.error().message;
  return location.ok() ? *location : Location{};
}

std::string ErrorOf(std::string_view text) {
  aws::Result<Location> location = ParseLocation(text);
  EXPECT_FALSE(location.ok()) << text << " was accepted";
  if (location.ok()) return "";
  EXPECT_EQ(location.error().kind, aws::ErrorKind::kInvalidInput);
  EXPECT_EQ(location.error().message.find('\n'), std::string::npos);
  return location.error().message;
}

TEST(LocationTest, S3BucketAndPrefix) {
  Location l = Parse("s3://my-bucket/dynamodb-export");
  EXPECT_EQ(l.kind, Location::Kind::kS3);
  EXPECT_EQ(l.bucket, "my-bucket");
  EXPECT_EQ(l.prefix, "dynamodb-export");
  EXPECT_EQ(l.directory, "");
  EXPECT_EQ(l.ToString(), "s3://my-bucket/dynamodb-export");

  l = Parse("s3://my.bucket.1/a/b/c///");
  EXPECT_EQ(l.bucket, "my.bucket.1");
  EXPECT_EQ(l.prefix, "a/b/c");

  for (const char* bare : {"s3://bkt", "s3://bkt/", "S3://bkt//"}) {
    l = Parse(bare);
    EXPECT_EQ(l.kind, Location::Kind::kS3) << bare;
    EXPECT_EQ(l.bucket, "bkt") << bare;
    EXPECT_EQ(l.prefix, "") << bare;
    EXPECT_EQ(l.ToString(), "s3://bkt") << bare;
  }
}

TEST(LocationTest, LocalDirectories) {
  Location l = Parse("file:///abs/dir/");
  EXPECT_EQ(l.kind, Location::Kind::kLocal);
  EXPECT_EQ(l.directory, "/abs/dir");
  EXPECT_EQ(l.bucket, "");
  EXPECT_EQ(l.prefix, "");

  EXPECT_EQ(Parse("file:///").directory, "/");
  EXPECT_EQ(Parse("/").directory, "/");
  EXPECT_EQ(Parse("exports").directory, "exports");
  EXPECT_EQ(Parse("./exports/").directory, "./exports");
  EXPECT_EQ(Parse("../up/dir").directory, "../up/dir");
  EXPECT_EQ(Parse("/abs/path").directory, "/abs/path");
  // A colon in a file name is not a scheme.
  EXPECT_EQ(Parse("backup:2024").directory, "backup:2024");
  EXPECT_EQ(Parse("file:///abs/dir").ToString(), "/abs/dir");
  // A file URL is percent-encoded; '+' is a plus.
  EXPECT_EQ(Parse("file:///data/my%20exports+1/caf%C3%A9").directory,
            "/data/my exports+1/caf\u00e9");
}

TEST(LocationTest, RejectsMalformedLocations) {
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("s3://").find("no bucket"), std::string::npos);
  EXPECT_NE(ErrorOf("s3:///prefix").find("no bucket"), std::string::npos);
  EXPECT_NE(ErrorOf("s3:/bucket/x").find("malformed"), std::string::npos);
  EXPECT_NE(ErrorOf("s3:bucket").find("malformed"), std::string::npos);
  EXPECT_NE(ErrorOf("file:dir").find("malformed"), std::string::npos);
  EXPECT_NE(ErrorOf("file://relative/dir").find("absolute"), std::string::npos);
  EXPECT_NE(ErrorOf("gs://bucket/x").find("unsupported scheme"), std::string::npos);
  EXPECT_NE(ErrorOf("s3a://bucket/x").find("unsupported scheme"), std::string::npos);
  EXPECT_NE(ErrorOf("s3://bucket//x").find("must not start with '/'"), std::string::npos);
  const std::string message = ErrorOf("s3://My_Bucket/x");
  EXPECT_NE(message.find("s3://My_Bucket/x"), std::string::npos) << message;
  EXPECT_NE(message.find("invalid S3 bucket name"), std::string::npos) << message;
}

TEST(LocationTest, BucketNameRules) {
  for (const char* good : {"abc", "my-bucket", "my.bucket", "a1b2", "123", "test-bucket",
                           "a23456789012345678901234567890123456789012345678901234567890123"}) {
    EXPECT_TRUE(CheckBucketName(good).ok()) << good;
  }
  for (const char* bad : {"ab", "", "Bucket", "my_bucket", "-bucket", "bucket-", ".bucket",
                          "bucket.", "my..bucket", "192.168.1.1", "has space",
                          "a234567890123456789012345678901234567890123456789012345678901234"}) {
    aws::Status s = CheckBucketName(bad);
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_EQ(s.error().kind, aws::ErrorKind::kInvalidInput);
    }
  }
}

}  // namespace
}  // namespace ddbm::storage
