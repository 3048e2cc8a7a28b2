// S3Client over a scripted transport and a fake clock: addressing, key encoding, S3-style
// signing, listing pages, multipart calls and the mapping of S3's XML errors.
#include "storage/s3_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "aws/service_client.h"
#include "aws/sigv4.h"
#include "aws/static_providers.h"
#include "aws/url.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"
#include "testing/text_assertions.h"

namespace ddbm::storage {
namespace {

using aws::ErrorKind;
using aws::HttpRequest;
using aws::HttpResponse;
using testing::FakeClock;
using testing::HasText;
using testing::LacksText;
using testing::ScriptedTransport;

constexpr char kSecret[] = "S3TESTSECRETKEY";

std::string ErrorXml(const std::string& code, const std::string& message,
                     const std::string& extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" +
         message + "</Message>" + extra + "<RequestId>REQ123</RequestId></Error>";
}

class S3ClientTest : public ::testing::Test {
 protected:
  // A client for `endpoint` in us-west-2.
  const S3Client& Client(const std::string& endpoint = "https://s3.us-west-2.amazonaws.com",
                         S3AddressingStyle style = S3AddressingStyle::kAuto, int max_attempts = 3,
                         S3ServerSideEncryption encryption = {}) {
    aws::ServiceClientConfig config;
    config.service = "s3";
    config.signing_name = "s3";
    config.s3_signing = true;
    config.region = "us-west-2";
    aws::Result<aws::Url> url = aws::ParseUrl(endpoint);
    EXPECT_TRUE(url.ok());
    config.endpoint = *url;
    config.credentials = std::make_shared<aws::StaticProvider>(
        aws::Credentials{"AKIDS3TEST", kSecret, "", std::nullopt, "test"});
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = max_attempts;
    service_ = std::make_unique<aws::ServiceClient>(std::move(config));
    client_ =
        std::make_unique<S3Client>(service_.get(), S3ClientOptions{style, std::move(encryption)});
    return *client_;
  }

  HttpRequest LastRequest() const {
    const std::vector<HttpRequest> requests = transport_.requests();
    EXPECT_FALSE(requests.empty());
    return requests.empty() ? HttpRequest() : requests.back();
  }
  static std::string Header(const HttpRequest& request, std::string_view name) {
    const std::string* value = request.FindHeader(name);
    return value == nullptr ? std::string() : *value;
  }

  FakeClock clock_;
  ScriptedTransport transport_;
  std::unique_ptr<aws::ServiceClient> service_;
  std::unique_ptr<S3Client> client_;
};

// ---------------------------------------------------------------------------------------------
// Addressing and key encoding.

TEST(S3Addressing, VirtualHostableBucketNames) {
  EXPECT_TRUE(IsVirtualHostableBucket("my-bucket"));
  EXPECT_TRUE(IsVirtualHostableBucket("abc"));
  EXPECT_TRUE(IsVirtualHostableBucket("0day-exports-2024"));
  EXPECT_FALSE(IsVirtualHostableBucket("my.bucket"));  // TLS wildcard does not cover dots
  EXPECT_FALSE(IsVirtualHostableBucket("MyBucket"));
  EXPECT_FALSE(IsVirtualHostableBucket("my_bucket"));
  EXPECT_FALSE(IsVirtualHostableBucket("ab"));
  EXPECT_FALSE(IsVirtualHostableBucket("-bucket"));
  EXPECT_FALSE(IsVirtualHostableBucket("bucket-"));
  EXPECT_FALSE(IsVirtualHostableBucket(std::string(64, 'a')));
}

TEST(S3Addressing, AwsEndpoints) {
  auto aws_host = [](const std::string& url) { return IsAwsS3Endpoint(*aws::ParseUrl(url)); };
  EXPECT_TRUE(aws_host("https://s3.us-east-1.amazonaws.com"));
  EXPECT_TRUE(aws_host("https://s3.amazonaws.com"));
  EXPECT_TRUE(aws_host("https://s3-fips.us-gov-west-1.amazonaws.com"));
  EXPECT_TRUE(aws_host("https://s3.cn-north-1.amazonaws.com.cn"));
  EXPECT_FALSE(aws_host("http://127.0.0.1:5000"));
  EXPECT_FALSE(aws_host("http://localhost:9000"));
  EXPECT_FALSE(aws_host("https://dynamodb.us-east-1.amazonaws.com"));
}

TEST_F(S3ClientTest, AutoUsesVirtualHostOnAwsForDnsNames) {
  const S3Client& s3 = Client();
  EXPECT_TRUE(s3.UsesVirtualHost("my-bucket"));
  EXPECT_EQ(s3.RequestUrl("my-bucket", "a/b.json"),
            "https://my-bucket.s3.us-west-2.amazonaws.com/a/b.json");
  EXPECT_EQ(s3.RequestUrl("my-bucket", "", "list-type=2"),
            "https://my-bucket.s3.us-west-2.amazonaws.com/?list-type=2");

  transport_.Respond(200, "data");
  ASSERT_TRUE(s3.GetObject("my-bucket", "a/b.json").ok());
  const HttpRequest sent = LastRequest();
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.url, "https://my-bucket.s3.us-west-2.amazonaws.com/a/b.json");
  EXPECT_EQ(Header(sent, "Host"), "my-bucket.s3.us-west-2.amazonaws.com");
}

TEST_F(S3ClientTest, GetObjectRangeAsksForTheRangeAndReadsTheSizeFromContentRange) {
  const S3Client& s3 = Client("http://127.0.0.1:5000");
  transport_.Respond(206, "cdef", {{"Content-Range", "bytes 2-5/10"}, {"ETag", "\"abc\""}});
  aws::Result<S3ObjectRange> range = s3.GetObjectRange("b-1", "k", 2, 4);
  ASSERT_TRUE(range.ok()) << range.error().ToString();
  EXPECT_EQ(range->bytes, "cdef");
  EXPECT_EQ(range->object_size, 10);
  EXPECT_EQ(range->etag, "abc");
  EXPECT_EQ(Header(LastRequest(), "Range"), "bytes=2-5");
  // The Range header is signed like any other.
  EXPECT_TRUE(HasText(Header(LastRequest(), "Authorization"), "range;"));

  // Past the end (an empty object at offset 0): 416, no bytes.
  transport_.Respond(416,
                     "<Error><Code>InvalidRange</Code><Message>The requested range is not "
                     "satisfiable</Message></Error>");
  range = s3.GetObjectRange("b-1", "k", 0, 4);
  ASSERT_TRUE(range.ok()) << range.error().ToString();
  EXPECT_EQ(range->bytes, "");
  EXPECT_EQ(range->object_size, 0);

  // A server that ignores Range sends the whole object, and says so.
  transport_.Respond(200, "0123456789");
  range = s3.GetObjectRange("b-1", "k", 8, 4);
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->whole);
  EXPECT_EQ(range->bytes, "0123456789");
  EXPECT_EQ(range->object_size, 10);

  // Shorter than asked, and said so: fine anywhere.
  transport_.Respond(206, "01", {{"Content-Range", "bytes 0-1/10"}});
  range = s3.GetObjectRange("b-1", "k", 0, 4);
  ASSERT_TRUE(range.ok()) << range.error().ToString();
  EXPECT_EQ(range->bytes, "01");
  EXPECT_FALSE(range->whole);

  // A partial answer that does not say the size, or is not the range asked for (another start,
  // a length other than the body's, a last byte past the size), is not guessed at.
  for (const char* bad : {"", "bytes 0-3/*", "bytes 0-3/1x", "bytes */10", "bytes 1-4/10",
                          "bytes 0-2/10", "bytes 0-3/3", "bits 0-3/10"}) {
    std::vector<aws::HttpHeader> headers;
    if (*bad != '\0') headers.push_back({"Content-Range", bad});
    transport_.Respond(206, "0123", headers);
    EXPECT_FALSE(s3.GetObjectRange("b-1", "k", 0, 4).ok()) << bad;
  }

  // Other errors stay errors.
  transport_.Respond(404, "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>");
  range = s3.GetObjectRange("b-1", "k", 0, 4);
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.error().code, "NoSuchKey");
}

TEST_F(S3ClientTest, AutoUsesPathStyleForDotsAndUpperCase) {
  const S3Client& s3 = Client();
  EXPECT_EQ(s3.RequestUrl("my.bucket", "k"), "/my.bucket/k");
  EXPECT_EQ(s3.RequestUrl("MyBucket", "k"), "/MyBucket/k");

  transport_.Respond(200, "data");
  ASSERT_TRUE(s3.GetObject("my.bucket", "k").ok());
  const HttpRequest sent = LastRequest();
  EXPECT_EQ(sent.url, "https://s3.us-west-2.amazonaws.com/my.bucket/k");
  EXPECT_EQ(Header(sent, "Host"), "s3.us-west-2.amazonaws.com");
}

TEST_F(S3ClientTest, AutoUsesPathStyleForEndpointOverrides) {
  const S3Client& s3 = Client("http://127.0.0.1:5000");
  EXPECT_FALSE(s3.UsesVirtualHost("my-bucket"));
  transport_.Respond(200, "data");
  ASSERT_TRUE(s3.GetObject("my-bucket", "dir/k").ok());
  const HttpRequest sent = LastRequest();
  EXPECT_EQ(sent.url, "http://127.0.0.1:5000/my-bucket/dir/k");
  EXPECT_EQ(Header(sent, "Host"), "127.0.0.1:5000");
  EXPECT_EQ(s3.RequestUrl("my-bucket", ""), "/my-bucket");
}

TEST_F(S3ClientTest, ExplicitStylesWin) {
  const S3Client& path = Client("https://s3.us-west-2.amazonaws.com", S3AddressingStyle::kPath);
  EXPECT_EQ(path.RequestUrl("my-bucket", "k"), "/my-bucket/k");

  const S3Client& virt = Client("http://localhost:9000/base/", S3AddressingStyle::kVirtualHosted);
  EXPECT_EQ(virt.RequestUrl("my-bucket", "k", "uploads"),
            "http://my-bucket.localhost:9000/base/k?uploads");
}

TEST_F(S3ClientTest, KeysAreEncodedPerSegmentOnce) {
  const S3Client& s3 = Client("http://127.0.0.1:5000");
  // Space, '+', '=', '$', UTF-8 (é, €, and a 4-byte emoji); '/' kept, unreserved kept.
  const std::string key = "dir one/a+b=c$d \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80_-.~/f.json";
  EXPECT_EQ(s3.RequestUrl("b-1", key),
            "/b-1/dir%20one/a%2Bb%3Dc%24d%20%C3%A9%E2%82%AC%F0%9F%98%80_-.~/f.json");

  transport_.Respond(200, "x");
  ASSERT_TRUE(s3.GetObject("b-1", key).ok());
  const HttpRequest sent = LastRequest();
  // The signature covers the path as sent, encoded once: recompute it from the sent request.
  aws::sigv4::SigningParams params;
  params.region = "us-west-2";
  params.service = "s3";
  params.time = clock_.Now();
  HttpRequest unsigned_request = sent;
  std::erase_if(unsigned_request.headers, [](const aws::HttpHeader& h) {
    return aws::EqualsIgnoreCase(h.name, "Authorization");
  });
  const std::string payload = aws::sigv4::Sha256Hex("");
  const std::string creq =
      aws::sigv4::CanonicalRequest(unsigned_request, payload, /*normalize_path=*/false)
          .canonical_request;
  EXPECT_TRUE(HasText(creq, "\n/b-1/dir%20one/a%2Bb%3Dc%24d%20%C3%A9"));
  const std::string scope = aws::sigv4::CredentialScope("20150830", "us-west-2", "s3");
  const std::string signature =
      aws::sigv4::Signature(aws::sigv4::SigningKey(kSecret, "20150830", "us-west-2", "s3"),
                            aws::sigv4::StringToSign("20150830T123600Z", scope, creq));
  EXPECT_TRUE(HasText(Header(sent, "Authorization"), "Signature=" + signature));
}

TEST_F(S3ClientTest, KeysWithDotSegmentsAreRefused) {
  const S3Client& s3 = Client();
  for (const char* key : {"a/./b", "../x", "a/..", ""}) {
    aws::Result<std::string> got = s3.GetObject("bucket", key);
    ASSERT_FALSE(got.ok()) << key;
    EXPECT_EQ(got.error().kind, ErrorKind::kInvalidInput) << key;
  }
  EXPECT_TRUE(transport_.requests().empty());
}

// ---------------------------------------------------------------------------------------------
// Signing.

TEST_F(S3ClientTest, SignsS3StyleWithContentSha256) {
  const S3Client& s3 = Client();
  transport_.Respond(200, "", {{"ETag", "\"0cc175b9c0f1b6a831c399e269772661\""}});
  aws::Result<S3WriteResult> put = s3.PutObject("my-bucket", "dir/my file.txt", "a");
  ASSERT_TRUE(put.ok()) << put.error().ToString();
  EXPECT_EQ(put->etag, "0cc175b9c0f1b6a831c399e269772661");
  const HttpRequest sent = LastRequest();
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.body, "a");
  EXPECT_EQ(sent.url, "https://my-bucket.s3.us-west-2.amazonaws.com/dir/my%20file.txt");
  EXPECT_EQ(Header(sent, "x-amz-content-sha256"), aws::sigv4::Sha256Hex("a"));
  EXPECT_EQ(Header(sent, "X-Amz-Date"), "20150830T123600Z");
  const std::string authorization = Header(sent, "Authorization");
  EXPECT_TRUE(HasText(authorization, "Credential=AKIDS3TEST/20150830/us-west-2/s3/aws4_request"));
  EXPECT_TRUE(
      HasText(authorization, "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date"));
  EXPECT_TRUE(LacksText(authorization, kSecret));
}

TEST_F(S3ClientTest, AsksForEncryptionInSignedHeadersOfPutObject) {
  const S3Client& s3 = Client("https://s3.us-west-2.amazonaws.com", S3AddressingStyle::kAuto, 3,
                              {"aws:kms", "alias/exports"});
  transport_.Respond(200, "",
                     {{"ETag", "\"kms-etag\""}, {"x-amz-server-side-encryption", "aws:kms"}});
  aws::Result<S3WriteResult> put = s3.PutObject("my-bucket", "k", "a");
  ASSERT_TRUE(put.ok()) << put.error().ToString();
  EXPECT_EQ(put->server_side_encryption, "aws:kms");
  const HttpRequest sent = LastRequest();
  EXPECT_EQ(Header(sent, "x-amz-server-side-encryption"), "aws:kms");
  EXPECT_EQ(Header(sent, "x-amz-server-side-encryption-aws-kms-key-id"), "alias/exports");
  EXPECT_TRUE(HasText(Header(sent, "Authorization"),
                      "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
                      "x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id,"));
}

TEST_F(S3ClientTest, Aes256AsksWithoutAKeyAndNothingByDefault) {
  const S3Client& plain = Client();
  transport_.Respond(200,
                     "<InitiateMultipartUploadResult><UploadId>u</UploadId>"
                     "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(plain.CreateMultipartUpload("my-bucket", "k").ok());
  EXPECT_EQ(LastRequest().FindHeader("x-amz-server-side-encryption"), nullptr);

  const S3Client& s3 =
      Client("https://s3.us-west-2.amazonaws.com", S3AddressingStyle::kAuto, 3, {"AES256", ""});
  transport_.Respond(200,
                     "<InitiateMultipartUploadResult><UploadId>u</UploadId>"
                     "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(s3.CreateMultipartUpload("my-bucket", "k").ok());
  const HttpRequest sent = LastRequest();
  EXPECT_EQ(Header(sent, "x-amz-server-side-encryption"), "AES256");
  EXPECT_EQ(sent.FindHeader("x-amz-server-side-encryption-aws-kms-key-id"), nullptr);
  EXPECT_TRUE(HasText(Header(sent, "Authorization"), ";x-amz-server-side-encryption,"));
}

// AWS's documented S3 example (GET Object, first 10 bytes of examplebucket/test.txt, signed with
// the hash of the empty body), sent through a ServiceClient with S3 signing.
TEST(S3Signing, MatchesAwsGetObjectExample) {
  FakeClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(1369353600)));
  ScriptedTransport transport;
  aws::ServiceClientConfig config;
  config.service = "s3";
  config.signing_name = "s3";
  config.s3_signing = true;
  config.region = "us-east-1";
  config.endpoint = *aws::ParseUrl("https://s3.amazonaws.com");
  config.credentials = std::make_shared<aws::StaticProvider>(aws::Credentials{
      "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "", std::nullopt, ""});
  config.transport = &transport;
  config.clock = &clock;
  const aws::ServiceClient service(std::move(config));
  const S3Client s3(&service, {S3AddressingStyle::kVirtualHosted});

  HttpRequest request;
  request.method = "GET";
  request.url = s3.RequestUrl("examplebucket", "test.txt");
  request.SetHeader("Range", "bytes=0-9");
  transport.Respond(206, "0123456789");
  ASSERT_TRUE(service
                  .Call("GetObject", request,
                        [](const HttpResponse&) { return std::optional<aws::Error>(); })
                  .ok());
  const HttpRequest sent = transport.requests().at(0);
  EXPECT_EQ(sent.url, "https://examplebucket.s3.amazonaws.com/test.txt");
  EXPECT_EQ(*sent.FindHeader("x-amz-content-sha256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(*sent.FindHeader("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// ---------------------------------------------------------------------------------------------
// Objects.

TEST_F(S3ClientTest, HeadObjectReportsSizeOrAbsence) {
  const S3Client& s3 = Client();
  transport_.Respond(200, "", {{"Content-Length", "1234"}, {"ETag", "\"abc-2\""}});
  transport_.Respond(404, "");
  auto found = s3.HeadObject("my-bucket", "k");
  ASSERT_TRUE(found.ok()) << found.error().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->size, 1234);
  EXPECT_EQ((*found)->etag, "abc-2");
  EXPECT_EQ(transport_.requests().at(0).method, "HEAD");
  auto missing = s3.HeadObject("my-bucket", "k");
  ASSERT_TRUE(missing.ok()) << missing.error().ToString();
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(S3ClientTest, DeleteObjectSendsDelete) {
  const S3Client& s3 = Client("http://127.0.0.1:5000");
  transport_.Respond(204, "");
  ASSERT_TRUE(s3.DeleteObject("b-1", "k").ok());
  EXPECT_EQ(LastRequest().method, "DELETE");
  EXPECT_EQ(LastRequest().url, "http://127.0.0.1:5000/b-1/k");
}

// ---------------------------------------------------------------------------------------------
// Listing.

std::string ListPage(const std::vector<std::pair<std::string, int64_t>>& objects,
                     const std::string& next_token, bool url_encoded = true) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b-1</Name><Prefix>p</Prefix>";
  xml += "<KeyCount>" + std::to_string(objects.size()) + "</KeyCount><MaxKeys>2</MaxKeys>";
  if (url_encoded) xml += "<EncodingType>url</EncodingType>";
  xml += next_token.empty() ? "<IsTruncated>false</IsTruncated>"
                            : "<IsTruncated>true</IsTruncated><NextContinuationToken>" +
                                  next_token + "</NextContinuationToken>";
  for (const auto& [key, size] : objects) {
    xml += "<Contents><Key>" + key + "</Key><LastModified>2024-05-14T11:14:20.000Z</LastModified>";
    xml += "<ETag>&quot;x&quot;</ETag><Size>" + std::to_string(size) +
           "</Size><StorageClass>STANDARD</StorageClass></Contents>";
  }
  return xml + "</ListBucketResult>";
}

TEST_F(S3ClientTest, ListObjectsV2FollowsContinuationTokens) {
  const S3Client& s3 = Client("http://127.0.0.1:5000");
  transport_.Respond(200, ListPage({{"p/a", 1}, {"p/b%20c", 2}}, "tok/1+=&amp;"));
  transport_.Respond(200, ListPage({{"p/d+e%2Bf", 3}, {"p/%C3%A9", 4}}, "tok2"));
  transport_.Respond(200, ListPage({{"p/z", 5}}, ""));
  auto objects = s3.ListObjectsV2("b-1", "p/ x");
  ASSERT_TRUE(objects.ok()) << objects.error().ToString();
  ASSERT_EQ(objects->size(), 5u);
  EXPECT_EQ((*objects)[0].key, "p/a");
  EXPECT_EQ((*objects)[1].key, "p/b c");
  EXPECT_EQ((*objects)[2].key, "p/d e+f");  // '+' is a space in encoding-type=url
  EXPECT_EQ((*objects)[3].key, "p/\xC3\xA9");
  EXPECT_EQ((*objects)[4].key, "p/z");
  EXPECT_EQ((*objects)[4].size, 5);

  const std::vector<HttpRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].url, "http://127.0.0.1:5000/b-1?list-type=2&encoding-type=url&prefix=p%2F%20x");
  EXPECT_EQ(sent[1].url,
            "http://127.0.0.1:5000/b-1?list-type=2&encoding-type=url&prefix=p%2F%20x"
            "&continuation-token=tok%2F1%2B%3D%26");
  EXPECT_TRUE(HasText(sent[2].url, "&continuation-token=tok2"));
}

TEST_F(S3ClientTest, ListObjectsV2KeepsKeysWhenNotEncoded) {
  const S3Client& s3 = Client();
  transport_.Respond(200, ListPage({{"p/a+b &amp; c", 7}}, "", /*url_encoded=*/false));
  auto page = s3.ListObjectsV2Page("my-bucket", "p/", std::nullopt, 2);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "p/a+b & c");
  EXPECT_FALSE(page->next_continuation_token);
  EXPECT_TRUE(HasText(LastRequest().url, "&max-keys=2"));
}

TEST_F(S3ClientTest, ListObjectsV2RejectsTruncatedPageWithoutToken) {
  const S3Client& s3 = Client();
  transport_.Respond(200, "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>");
  auto objects = s3.ListObjectsV2("my-bucket", "");
  ASSERT_FALSE(objects.ok());
  EXPECT_EQ(objects.error().kind, ErrorKind::kCorruption);
  EXPECT_TRUE(HasText(objects.error().message, "NextContinuationToken"));
}

TEST_F(S3ClientTest, ListObjectsV2RetriesMalformedXml) {
  const S3Client& s3 = Client();
  transport_.Respond(200, "<ListBucketResult><Contents>");  // cut off
  transport_.Respond(200, ListPage({{"k", 1}}, ""));
  auto objects = s3.ListObjectsV2("my-bucket", "");
  ASSERT_TRUE(objects.ok()) << objects.error().ToString();
  EXPECT_EQ(objects->size(), 1u);
  EXPECT_EQ(transport_.requests().size(), 2u);
}

// A ListMultipartUploadsResult page: `uploads` as (key, upload id); truncated when
// `next_key` is set.
std::string UploadsPage(const std::vector<std::pair<std::string, std::string>>& uploads,
                        const std::string& next_key, const std::string& next_upload_id,
                        bool url_encoded = true) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListMultipartUploadsResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b-1</Bucket><KeyMarker/>"
      "<UploadIdMarker/><Prefix>p/</Prefix><MaxUploads>2</MaxUploads>";
  if (url_encoded) xml += "<EncodingType>url</EncodingType>";
  xml += next_key.empty() ? "<IsTruncated>false</IsTruncated>"
                          : "<NextKeyMarker>" + next_key + "</NextKeyMarker><NextUploadIdMarker>" +
                                next_upload_id +
                                "</NextUploadIdMarker><IsTruncated>true"
                                "</IsTruncated>";
  for (const auto& [key, upload_id] : uploads) {
    xml += "<Upload><Key>" + key + "</Key><UploadId>" + upload_id +
           "</UploadId><Initiator><ID>x</ID></Initiator><StorageClass>STANDARD</StorageClass>"
           "<Initiated>2024-05-14T11:14:20.000Z</Initiated></Upload>";
  }
  return xml + "</ListMultipartUploadsResult>";
}

TEST_F(S3ClientTest, ListMultipartUploadsFollowsKeyAndUploadIdMarkers) {
  const S3Client& s3 = Client("http://127.0.0.1:5000");
  transport_.Respond(200, UploadsPage({{"p/a", "u1"}, {"p/b%20c", "u/2+"}}, "p/b%20c", "u/2+"));
  // A page may end after a key's last upload: the next one starts after the key alone.
  transport_.Respond(200, UploadsPage({{"p/b%20c", "u3"}, {"p/d+e%2Bf", "u4"}}, "p/d+e%2Bf", ""));
  transport_.Respond(200, UploadsPage({{"p/%C3%A9", "u5"}}, "", ""));
  auto uploads = s3.ListMultipartUploads("b-1", "p/");
  ASSERT_TRUE(uploads.ok()) << uploads.error().ToString();
  ASSERT_EQ(uploads->size(), 5u);
  EXPECT_EQ((*uploads)[0].key, "p/a");
  EXPECT_EQ((*uploads)[0].upload_id, "u1");
  EXPECT_EQ((*uploads)[1].key, "p/b c");
  EXPECT_EQ((*uploads)[1].upload_id, "u/2+");  // upload ids are never encoded
  EXPECT_EQ((*uploads)[2].key, "p/b c");
  EXPECT_EQ((*uploads)[3].key, "p/d e+f");
  EXPECT_EQ((*uploads)[4].key, "p/\xC3\xA9");
  EXPECT_EQ((*uploads)[4].upload_id, "u5");

  const std::vector<HttpRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].method, "GET");
  EXPECT_EQ(sent[0].url, "http://127.0.0.1:5000/b-1?uploads&encoding-type=url&prefix=p%2F");
  EXPECT_EQ(sent[1].url,
            "http://127.0.0.1:5000/b-1?uploads&encoding-type=url&prefix=p%2F"
            "&key-marker=p%2Fb%20c&upload-id-marker=u%2F2%2B");
  EXPECT_EQ(sent[2].url,
            "http://127.0.0.1:5000/b-1?uploads&encoding-type=url&prefix=p%2F"
            "&key-marker=p%2Fd%20e%2Bf");
}

TEST_F(S3ClientTest, ListMultipartUploadsKeepsKeysWhenNotEncoded) {
  const S3Client& s3 = Client();
  // moto ignores encoding-type and sends keys as they are.
  transport_.Respond(200, UploadsPage({{"p/a+b &amp; c", "u1"}}, "", "", /*url_encoded=*/false));
  auto page = s3.ListMultipartUploadsPage("my-bucket", "p/", std::nullopt, 2);
  ASSERT_TRUE(page.ok()) << page.error().ToString();
  ASSERT_EQ(page->uploads.size(), 1u);
  EXPECT_EQ(page->uploads[0].key, "p/a+b & c");
  EXPECT_FALSE(page->next_marker);
  EXPECT_TRUE(HasText(LastRequest().url, "&max-uploads=2"));
}

TEST_F(S3ClientTest, ListMultipartUploadsRejectsBadPages) {
  const S3Client& s3 = Client();
  transport_.Respond(200,
                     "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
                     "</ListMultipartUploadsResult>");
  auto uploads = s3.ListMultipartUploads("my-bucket", "");
  ASSERT_FALSE(uploads.ok());
  EXPECT_EQ(uploads.error().kind, ErrorKind::kCorruption);
  EXPECT_TRUE(HasText(uploads.error().message, "NextKeyMarker"));

  transport_.Respond(200, UploadsPage({{"k", ""}}, "", ""));
  uploads = s3.ListMultipartUploads("my-bucket", "");
  ASSERT_FALSE(uploads.ok());
  EXPECT_EQ(uploads.error().kind, ErrorKind::kCorruption);
  EXPECT_TRUE(HasText(uploads.error().message, "without a key or an upload id"));

  // A server that answers the same page forever must not keep the loop going.
  transport_.Respond(200, UploadsPage({{"a", "u1"}}, "a", "u1"));
  transport_.Respond(200, UploadsPage({{"a", "u1"}}, "a", "u1"));
  uploads = s3.ListMultipartUploads("my-bucket", "");
  ASSERT_FALSE(uploads.ok());
  EXPECT_EQ(uploads.error().kind, ErrorKind::kCorruption);
  EXPECT_EQ(uploads.error().operation, "ListMultipartUploads");
  EXPECT_TRUE(HasText(uploads.error().message, "loop forever"));

  transport_.Respond(200, ListPage({}, ""));  // another operation's document
  uploads = s3.ListMultipartUploads("my-bucket", "");
  ASSERT_FALSE(uploads.ok());
  EXPECT_TRUE(HasText(uploads.error().message, "not a ListMultipartUploadsResult"));
}

TEST_F(S3ClientTest, ListMultipartUploadsAccessDeniedNamesItsPermission) {
  const S3Client& s3 = Client();
  transport_.Respond(403, ErrorXml("AccessDenied", "Access Denied"));
  auto uploads = s3.ListMultipartUploads("my-bucket", "p/");
  ASSERT_FALSE(uploads.ok());
  EXPECT_EQ(uploads.error().code, "AccessDenied");
  EXPECT_EQ(uploads.error().operation, "ListMultipartUploads");
  EXPECT_TRUE(HasText(uploads.error().message, "access denied to s3://my-bucket:"));
  EXPECT_TRUE(HasText(uploads.error().message, "s3:ListBucketMultipartUploads"));
  EXPECT_TRUE(LacksText(uploads.error().ToString(), kSecret));

  transport_.Respond(403, ErrorXml("AccessDenied", "Access Denied"));
  aws::Status aborted = s3.AbortMultipartUpload("my-bucket", "p/k", "u1");
  ASSERT_FALSE(aborted.ok());
  EXPECT_TRUE(HasText(aborted.error().message, "s3:AbortMultipartUpload"));
}

// The same requests signed by botocore's S3SigV4Auth (AWS's Python SDK) with these credentials,
// at the suite time, in us-west-2: the Authorization headers it produced.
TEST_F(S3ClientTest, SignaturesMatchBotocore) {
  const S3Client& s3 = Client("http://127.0.0.1:5000");
  transport_.Respond(200, "", {{"ETag", "\"e\""}});
  ASSERT_TRUE(
      s3.UploadPart("b-1", "dir one/a+b=c$d \xC3\xA9\xE2\x82\xAC.json", "up/1+2", 2, "part-bytes")
          .ok());
  EXPECT_EQ(LastRequest().url,
            "http://127.0.0.1:5000/b-1/dir%20one/a%2Bb%3Dc%24d%20%C3%A9%E2%82%AC.json"
            "?partNumber=2&uploadId=up%2F1%2B2");
  EXPECT_EQ(Header(LastRequest(), "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDS3TEST/20150830/us-west-2/s3/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
            "Signature=e0a4148673018b1021be8d8b333ecbec1b78c4a99d2482876b638e2d7d5df32e");

  transport_.Respond(200, ListPage({}, ""));
  ASSERT_TRUE(s3.ListObjectsV2Page("b-1", "p/ x", "tok/1+=&").ok());
  EXPECT_EQ(Header(LastRequest(), "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDS3TEST/20150830/us-west-2/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=8dea04d0856d8d19dadc81dc08071c0f6072ffb58483cb12c582eb459f6e7e7d");

  // A parameter without a value ("uploads") among others.
  transport_.Respond(200, UploadsPage({}, "", ""));
  ASSERT_TRUE(s3.ListMultipartUploadsPage("b-1", "p/ x", S3UploadMarker{"k/1+=&", "up/1+2"}).ok());
  EXPECT_EQ(LastRequest().url,
            "http://127.0.0.1:5000/b-1?uploads&encoding-type=url&prefix=p%2F%20x"
            "&key-marker=k%2F1%2B%3D%26&upload-id-marker=up%2F1%2B2");
  EXPECT_EQ(Header(LastRequest(), "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDS3TEST/20150830/us-west-2/s3/aws4_request, "
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
            "Signature=6ca4095922444cc46b28d1d7df4025fd684d23927c2101edd151395f51f69465");
}

// ---------------------------------------------------------------------------------------------
// Multipart uploads.

TEST_F(S3ClientTest, MultipartCalls) {
  const S3Client& s3 = Client("http://127.0.0.1:5000");
  transport_.Respond(200,
                     "<?xml version=\"1.0\"?><InitiateMultipartUploadResult><Bucket>b-1</Bucket>"
                     "<Key>k</Key><UploadId>up/1+2</UploadId></InitiateMultipartUploadResult>");
  transport_.Respond(200, "", {{"ETag", "\"e1\""}});
  // S3 may send whitespace ahead of the document while it completes the upload.
  transport_.Respond(200,
                     "   \n<?xml version=\"1.0\"?><CompleteMultipartUploadResult><Location>x"
                     "</Location><Bucket>b-1</Bucket><Key>k</Key><ETag>&quot;abc-1&quot;</ETag>"
                     "</CompleteMultipartUploadResult>",
                     {{"x-amz-server-side-encryption", "AES256"}});
  transport_.Respond(204, "");

  auto upload_id = s3.CreateMultipartUpload("b-1", "k");
  ASSERT_TRUE(upload_id.ok()) << upload_id.error().ToString();
  EXPECT_EQ(*upload_id, "up/1+2");
  auto part = s3.UploadPart("b-1", "k", *upload_id, 1, "body");
  ASSERT_TRUE(part.ok()) << part.error().ToString();
  EXPECT_EQ(part->etag, "e1");
  auto done = s3.CompleteMultipartUpload("b-1", "k", *upload_id, {{1, "e1"}});
  ASSERT_TRUE(done.ok()) << done.error().ToString();
  EXPECT_EQ(done->etag, "abc-1");
  EXPECT_EQ(done->server_side_encryption, "AES256");
  ASSERT_TRUE(s3.AbortMultipartUpload("b-1", "k", *upload_id).ok());

  const std::vector<HttpRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].url, "http://127.0.0.1:5000/b-1/k?uploads");
  EXPECT_EQ(sent[1].method, "PUT");
  EXPECT_EQ(sent[1].url, "http://127.0.0.1:5000/b-1/k?partNumber=1&uploadId=up%2F1%2B2");
  EXPECT_EQ(sent[1].body, "body");
  EXPECT_EQ(sent[2].method, "POST");
  EXPECT_EQ(sent[2].url, "http://127.0.0.1:5000/b-1/k?uploadId=up%2F1%2B2");
  EXPECT_EQ(sent[2].body,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part>"
            "<PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
  EXPECT_EQ(sent[3].method, "DELETE");
  EXPECT_EQ(sent[3].url, "http://127.0.0.1:5000/b-1/k?uploadId=up%2F1%2B2");
}

TEST_F(S3ClientTest, CompleteRetriesAnErrorInsideA200) {
  const S3Client& s3 = Client();
  transport_.Respond(200, ErrorXml("InternalError", "We encountered an internal error."));
  transport_.Respond(200,
                     "<CompleteMultipartUploadResult><ETag>\"abc-1\"</ETag>"
                     "</CompleteMultipartUploadResult>");
  auto done = s3.CompleteMultipartUpload("my-bucket", "k", "u", {{1, "e1"}});
  ASSERT_TRUE(done.ok()) << done.error().ToString();
  EXPECT_EQ(done->etag, "abc-1");
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(S3ClientTest, AbortOfAGoneUploadSucceeds) {
  const S3Client& s3 = Client();
  transport_.Respond(404, ErrorXml("NoSuchUpload", "The specified upload does not exist."));
  EXPECT_TRUE(s3.AbortMultipartUpload("my-bucket", "k", "u").ok());
}

// ---------------------------------------------------------------------------------------------
// Errors.

TEST_F(S3ClientTest, NoSuchKeyIsInvalidInputNamingTheObject) {
  const S3Client& s3 = Client();
  transport_.Respond(
      404, ErrorXml("NoSuchKey", "The specified key does not exist.", "<Key>dir/k.json</Key>"));
  auto got = s3.GetObject("my-bucket", "dir/k.json");
  ASSERT_FALSE(got.ok());
  const aws::Error& error = got.error();
  EXPECT_EQ(error.kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.http_status, 404);
  EXPECT_EQ(error.request_id, "REQ123");
  EXPECT_EQ(error.service, "s3");
  EXPECT_EQ(error.operation, "GetObject");
  EXPECT_TRUE(HasText(error.message, "s3://my-bucket/dir/k.json does not exist"));
  EXPECT_EQ(error.ToString().find('\n'), std::string::npos);
  EXPECT_TRUE(LacksText(error.ToString(), kSecret));
  EXPECT_EQ(transport_.requests().size(), 1u);  // final: not retried
}

TEST_F(S3ClientTest, NoSuchBucketIsInvalidInputNamingTheBucket) {
  const S3Client& s3 = Client();
  transport_.Respond(404, ErrorXml("NoSuchBucket", "The specified bucket does not exist."));
  auto got = s3.GetObject("my-bucket", "k");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(got.error().code, "NoSuchBucket");
  EXPECT_TRUE(HasText(got.error().message, "s3://my-bucket does not exist"));
  EXPECT_TRUE(HasText(got.error().message, "check the bucket name and region"));
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(S3ClientTest, AccessDeniedNamesThePermission) {
  const S3Client& s3 = Client();
  transport_.Respond(403, ErrorXml("AccessDenied", "Access Denied"));
  auto got = s3.GetObject("my-bucket", "k");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kService);
  EXPECT_EQ(got.error().code, "AccessDenied");
  EXPECT_TRUE(HasText(got.error().message, "access denied to s3://my-bucket/k"));
  EXPECT_TRUE(HasText(got.error().message, "s3:GetObject"));
  EXPECT_TRUE(LacksText(got.error().ToString(), kSecret));
  EXPECT_EQ(transport_.requests().size(), 1u);

  transport_.Respond(403, "");  // HEAD: no body
  auto head = s3.HeadObject("my-bucket", "k");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, "AccessDenied");
  EXPECT_TRUE(HasText(head.error().message, "s3:ListBucket"));
}

TEST_F(S3ClientTest, SlowDownIsRetried) {
  const S3Client& s3 = Client();
  transport_.Respond(503, ErrorXml("SlowDown", "Please reduce your request rate."));
  transport_.Respond(503, "");  // a HEAD-style 503 without a body
  transport_.Respond(200, "data");
  auto got = s3.GetObject("my-bucket", "k");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(*got, "data");
  EXPECT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(clock_.sleeps().size(), 2u);
  EXPECT_EQ(service_->counters().throttles.load(), 1u);
}

TEST_F(S3ClientTest, PersistentServerErrorsEndWithTheLastError) {
  const S3Client& s3 = Client("https://s3.us-west-2.amazonaws.com", S3AddressingStyle::kAuto, 2);
  transport_.Respond(500, ErrorXml("InternalError", "We encountered an internal error."));
  transport_.Respond(502, "<html>Bad Gateway</html");
  auto got = s3.GetObject("my-bucket", "k");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kService);
  EXPECT_EQ(got.error().http_status, 502);
  EXPECT_TRUE(HasText(got.error().message, "no XML error body"));
}

TEST_F(S3ClientTest, HeadBucketMapsMissingAndDenied) {
  const S3Client& s3 = Client();
  transport_.Respond(200, "");
  EXPECT_TRUE(s3.HeadBucket("my-bucket").ok());
  EXPECT_EQ(LastRequest().method, "HEAD");
  EXPECT_EQ(LastRequest().url, "https://my-bucket.s3.us-west-2.amazonaws.com/");

  transport_.Respond(404, "");
  aws::Status missing = s3.HeadBucket("my-bucket");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(missing.error().code, "NoSuchBucket");
  EXPECT_TRUE(HasText(missing.error().message, "s3://my-bucket"));

  transport_.Respond(403, "");
  aws::Status denied = s3.HeadBucket("my-bucket");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, "AccessDenied");
  EXPECT_TRUE(HasText(denied.error().message, "s3:ListBucket"));
}

TEST_F(S3ClientTest, BucketInAnotherRegionSaysWhichRegion) {
  const S3Client& s3 = Client();
  transport_.Respond(301, "", {{"x-amz-bucket-region", "eu-west-1"}});
  aws::Status moved = s3.HeadBucket("my-bucket");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(HasText(moved.error().message, "is in region eu-west-1, not us-west-2"));

  transport_.Respond(400, ErrorXml("AuthorizationHeaderMalformed",
                                   "The authorization header is malformed; the region "
                                   "'us-west-2' is wrong; expecting 'ap-south-1'",
                                   "<Region>ap-south-1</Region>"));
  auto got = s3.GetObject("my-bucket", "k");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(HasText(got.error().message, "use region ap-south-1"));
}

}  // namespace
}  // namespace ddbm::storage
