// S3Store over a scripted transport that answers like one S3 bucket: multipart writers (part
// splitting, ETags checked against our own MD5s, abort on failure and on destruction, the empty
// object) and the ObjectStore reads.
#include "storage/s3_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/static_providers.h"
#include "aws/url.h"
#include "storage/data_file_reader.h"
#include "storage/data_file_writer.h"
#include "storage/md5.h"
#include "testing/fake_clock.h"
#include "testing/scripted_transport.h"
#include "testing/text_assertions.h"

namespace ddbm::storage {
namespace {

using aws::ErrorKind;
using aws::HttpRequest;
using aws::HttpResponse;
using aws::Result;
using testing::FakeClock;
using testing::HasText;
using testing::ScriptedTransport;

constexpr int64_t kMiB = int64_t{1} << 20;
constexpr char kBucket[] = "b-1";

std::string Quoted(const std::string& text) { return "\"" + text + "\""; }
std::string Md5Hex(std::string_view bytes) { return LowerHex(Md5::Digest(bytes)); }

// Deterministic, not repetitive at part boundaries.
std::string Bytes(int64_t size, char seed) {
  std::string out(static_cast<size_t>(size), '\0');
  uint32_t x = static_cast<unsigned char>(seed) * 2654435761u + 1;
  for (char& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return out;
}

// One bucket, addressed path style on http://127.0.0.1:5000, answering as S3 does.
class FakeBucket {
 public:
  Result<HttpResponse> Handle(const HttpRequest& request) {
    std::lock_guard lock(mu_);
    const aws::Url url = *aws::ParseUrl(request.url);
    std::map<std::string, std::string> query;
    size_t start = 0;
    while (!url.query.empty() && start <= url.query.size()) {
      size_t end = url.query.find('&', start);
      if (end == std::string::npos) end = url.query.size();
      const std::string pair = url.query.substr(start, end - start);
      const size_t eq = pair.find('=');
      query[aws::UriDecode(pair.substr(0, eq))] =
          eq == std::string::npos ? "" : aws::UriDecode(pair.substr(eq + 1));
      start = end + 1;
    }
    const std::string bucket_path = std::string("/") + kBucket;
    if (url.path == bucket_path && request.method == "HEAD") return Answer(200, "");
    if (url.path == bucket_path && query.count("list-type")) return List(query["prefix"]);
    if (url.path == bucket_path && request.method == "GET" && query.count("uploads")) {
      return ListUploads(query);
    }
    const std::string key = aws::UriDecode(url.path.substr(bucket_path.size() + 1));

    if (request.method == "POST" && query.count("uploads")) {
      const std::string id = "upload-" + std::to_string(++next_upload_);
      uploads[id] = {};
      upload_keys[id] = key;
      return Answer(200, "<InitiateMultipartUploadResult><UploadId>" + id +
                             "</UploadId></InitiateMultipartUploadResult>");
    }
    if (request.method == "PUT" && query.count("partNumber")) {
      auto upload = uploads.find(query["uploadId"]);
      if (upload == uploads.end()) return Answer(404, "<Error><Code>NoSuchUpload</Code></Error>");
      if (fail_part == std::stoi(query["partNumber"])) {
        return Answer(403,
                      "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
                      "</Error>");
      }
      upload->second[std::stoi(query["partNumber"])] = request.body;
      part_sizes.push_back(static_cast<int64_t>(request.body.size()));
      return Answer(200, "",
                    {{"ETag", Quoted(part_etag.empty() ? Md5Hex(request.body) : part_etag)}});
    }
    if (request.method == "POST" && query.count("uploadId")) {
      auto upload = uploads.find(query["uploadId"]);
      if (upload == uploads.end()) return Answer(404, "<Error><Code>NoSuchUpload</Code></Error>");
      std::string whole;
      std::vector<std::string> md5s;
      size_t listed = 0;
      for (size_t at = request.body.find("<Part>"); at != std::string::npos;
           at = request.body.find("<Part>", at + 1)) {
        ++listed;
      }
      if (listed != upload->second.size())
        return Answer(400, "<Error><Code>InvalidPart</Code></Error>");
      for (const auto& [number, bytes] : upload->second) {
        whole += bytes;
        md5s.push_back(Md5::Digest(bytes));
      }
      objects[key] = whole;
      uploads.erase(upload);
      ++completed;
      const std::string etag = complete_etag.empty() ? MultipartEtag(md5s) : complete_etag;
      if (lose_complete_answer) {
        lose_complete_answer = false;
        return aws::Error::Make(ErrorKind::kTransport, "connection reset by peer");
      }
      return Answer(200, "<CompleteMultipartUploadResult><ETag>&quot;" + etag +
                             "&quot;</ETag></CompleteMultipartUploadResult>");
    }
    if (request.method == "DELETE" && query.count("uploadId")) {
      if (uploads.erase(query["uploadId"]) == 0) {
        return Answer(404, "<Error><Code>NoSuchUpload</Code></Error>");
      }
      upload_keys.erase(query["uploadId"]);
      aborted.push_back(query["uploadId"]);
      return Answer(204, "");
    }
    if (request.method == "DELETE") {
      objects.erase(key);
      deleted.push_back(key);
      return Answer(204, "");
    }
    if (request.method == "PUT") {
      objects[key] = request.body;
      return Answer(200, "",
                    {{"ETag", Quoted(part_etag.empty() ? Md5Hex(request.body) : part_etag)}});
    }
    auto object = objects.find(key);
    if (request.method == "HEAD") {
      if (object == objects.end()) return Answer(404, "");
      const std::string etag = object->second.empty() ? SinglePartEtag("") : Md5Hex(object->second);
      return Answer(200, "",
                    {{"Content-Length", std::to_string(object->second.size())},
                     {"ETag", Quoted(head_etag.empty() ? etag : head_etag)}});
    }
    if (request.method == "GET") {
      if (object == objects.end()) {
        return Answer(404,
                      "<Error><Code>NoSuchKey</Code><Message>The specified key does not "
                      "exist.</Message></Error>");
      }
      const std::string* range = request.FindHeader("Range");
      if (range == nullptr || ignore_ranges) return Answer(200, object->second);
      return RangeAnswer(object->second, *range);
    }
    return Answer(405, "<Error><Code>MethodNotAllowed</Code></Error>");
  }

  std::map<std::string, std::string> objects;
  std::map<std::string, std::map<int, std::string>> uploads;
  std::map<std::string, std::string> upload_keys;  // upload id -> key, for listing
  size_t uploads_per_page = 1000;                  // ListMultipartUploads' MaxUploads
  std::vector<std::string> aborted;
  std::vector<std::string> deleted;
  std::vector<int64_t> part_sizes;
  int completed = 0;
  // Misbehaviours.
  std::string part_etag;      // answered for every part (and PutObject) instead of the MD5
  std::string complete_etag;  // answered by CompleteMultipartUpload instead of the right one
  std::string head_etag;
  std::string sse;  // x-amz-server-side-encryption on every write answer
  int fail_part = 0;
  bool lose_complete_answer = false;  // completes, then the connection drops
  bool ignore_ranges = false;         // GET answers the whole object to a Range
  int ranges_asked = 0;               // GETs with a Range
  int invalid_ranges = 0;             // of which answered 416 (asked from the end on)

 private:
  HttpResponse Answer(int status, std::string body, std::vector<aws::HttpHeader> headers = {}) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    if (!sse.empty()) response.headers.push_back({"x-amz-server-side-encryption", sse});
    return response;
  }

  // "bytes=FIRST-LAST" as S3 answers it: 206 with the bytes that exist, 416 from the end on.
  HttpResponse RangeAnswer(const std::string& object, const std::string& range) {
    ++ranges_asked;
    const size_t dash = range.find('-');
    const size_t first = std::stoul(range.substr(6, dash - 6));
    const size_t last = std::min<size_t>(std::stoul(range.substr(dash + 1)), object.size() - 1);
    if (first >= object.size()) {
      ++invalid_ranges;
      return Answer(416, "<Error><Code>InvalidRange</Code></Error>");
    }
    const std::string etag = Md5Hex(object);
    return Answer(206, object.substr(first, last - first + 1),
                  {{"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                         "/" + std::to_string(object.size())},
                   {"ETag", Quoted(etag)}});
  }

  HttpResponse List(const std::string& prefix) {
    std::string xml = "<ListBucketResult><IsTruncated>false</IsTruncated>";
    for (const auto& [key, bytes] : objects) {
      if (!key.starts_with(prefix)) continue;
      xml += "<Contents><Key>" + key + "</Key><Size>" + std::to_string(bytes.size()) +
             "</Size></Contents>";
    }
    return Answer(200, xml + "</ListBucketResult>");
  }

  // Incomplete uploads of keys with the prefix, by key then upload id, after the markers.
  HttpResponse ListUploads(std::map<std::string, std::string>& query) {
    std::vector<std::pair<std::string, std::string>> listed;  // (key, upload id)
    for (const auto& [id, key] : upload_keys) {
      if (!key.starts_with(query["prefix"])) continue;
      if (query.count("key-marker")) {
        const std::string& marker = query["key-marker"];
        // Without an upload id marker, the listing goes on after the marker's key.
        if (key < marker || (key == marker && (!query.count("upload-id-marker") ||
                                               id <= query["upload-id-marker"]))) {
          continue;
        }
      }
      listed.emplace_back(key, id);
    }
    std::sort(listed.begin(), listed.end());
    std::string xml = "<ListMultipartUploadsResult>";
    if (listed.size() > uploads_per_page) {
      listed.resize(uploads_per_page);
      xml += "<IsTruncated>true</IsTruncated><NextKeyMarker>" + listed.back().first +
             "</NextKeyMarker><NextUploadIdMarker>" + listed.back().second +
             "</NextUploadIdMarker>";
    }
    for (const auto& [key, id] : listed) {
      xml += "<Upload><Key>" + key + "</Key><UploadId>" + id + "</UploadId></Upload>";
    }
    return Answer(200, xml + "</ListMultipartUploadsResult>");
  }

  std::mutex mu_;
  int next_upload_ = 0;
};

class S3StoreTest : public ::testing::Test {
 protected:
  S3StoreTest() {
    aws::ServiceClientConfig config;
    config.service = "s3";
    config.signing_name = "s3";
    config.s3_signing = true;
    config.region = "us-east-1";
    config.endpoint = *aws::ParseUrl("http://127.0.0.1:5000");
    config.credentials = std::make_shared<aws::StaticProvider>(
        aws::Credentials{"AKID", "SECRET", "", std::nullopt, "test"});
    config.transport = &transport_;
    config.clock = &clock_;
    config.retry.max_attempts = 3;
    service_ = std::make_unique<aws::ServiceClient>(std::move(config));
    transport_.SetFallback([this](const HttpRequest& r) { return bucket_.Handle(r); });
  }

  std::unique_ptr<S3Store> Store(int64_t part_size = 5 * kMiB,
                                 S3ServerSideEncryption encryption = {}) {
    S3StoreOptions options;
    options.part_size = part_size;
    options.client.encryption = std::move(encryption);
    Result<std::unique_ptr<S3Store>> store = OpenS3Store(service_.get(), kBucket, options);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return std::move(*store);
  }

  // The ETag S3 gives `chunks` uploaded as parts.
  static std::string EtagOfParts(const std::vector<std::string>& parts) {
    std::vector<std::string> md5s;
    for (const std::string& part : parts) md5s.push_back(Md5::Digest(part));
    return MultipartEtag(md5s);
  }

  FakeClock clock_;
  ScriptedTransport transport_;
  FakeBucket bucket_;
  std::unique_ptr<aws::ServiceClient> service_;
};

TEST_F(S3StoreTest, OpenChecksBucketAndPartSize) {
  EXPECT_TRUE(OpenS3Store(service_.get(), "b-1").ok());
  for (const char* bad : {"", "s3://b-1", "b-1/prefix"}) {
    auto store = OpenS3Store(service_.get(), bad);
    ASSERT_FALSE(store.ok()) << bad;
    EXPECT_EQ(store.error().kind, ErrorKind::kInvalidInput) << bad;
  }
  S3StoreOptions small;
  small.part_size = 5 * kMiB - 1;
  auto store = OpenS3Store(service_.get(), "b-1", small);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(HasText(store.error().message, "part size"));
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(S3StoreTest, DescribesAndNamesTheBucket) {
  auto store = Store();
  EXPECT_EQ(store->Describe("AWSDynamoDB/x/manifest-summary.json"),
            "s3://b-1/AWSDynamoDB/x/manifest-summary.json");
  EXPECT_EQ(store->bucket(), std::optional<std::string>("b-1"));
}

TEST_F(S3StoreTest, WriterSplitsIntoPartsAndReturnsTheMultipartEtag) {
  auto store = Store(5 * kMiB);
  const std::string data = Bytes(12 * kMiB + 3, 'a');
  auto writer = store->OpenWriter("dir/data.json.gz");
  ASSERT_TRUE(writer.ok()) << writer.error().ToString();
  // Odd-sized appends that straddle part boundaries.
  const size_t chunk = 1 * kMiB + 7;
  for (size_t at = 0; at < data.size(); at += chunk) {
    ASSERT_TRUE((*writer)->Append(std::string_view(data).substr(at, chunk)).ok());
  }
  EXPECT_EQ(bucket_.part_sizes.size(), 2u);  // the last part waits for Finish
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_TRUE(etag.ok()) << etag.error().ToString();
  EXPECT_EQ(bucket_.part_sizes, (std::vector<int64_t>{5 * kMiB, 5 * kMiB, 2 * kMiB + 3}));
  const std::string expected = EtagOfParts(
      {data.substr(0, 5 * kMiB), data.substr(5 * kMiB, 5 * kMiB), data.substr(10 * kMiB)});
  EXPECT_EQ(*etag, expected);
  EXPECT_TRUE(etag->ends_with("-3"));
  EXPECT_EQ(bucket_.objects.at("dir/data.json.gz"), data);
  writer->reset();  // destroying a finished writer aborts nothing
  EXPECT_TRUE(bucket_.aborted.empty());
}

TEST_F(S3StoreTest, ExactMultipleOfThePartSizeHasNoEmptyTail) {
  auto store = Store(5 * kMiB);
  const std::string data = Bytes(10 * kMiB, 'b');
  auto writer = store->OpenWriter("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(data).ok());
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_TRUE(etag.ok()) << etag.error().ToString();
  EXPECT_EQ(bucket_.part_sizes, (std::vector<int64_t>{5 * kMiB, 5 * kMiB}));
  EXPECT_EQ(*etag, EtagOfParts({data.substr(0, 5 * kMiB), data.substr(5 * kMiB)}));
}

TEST_F(S3StoreTest, SmallObjectIsOnePart) {
  auto store = Store();
  auto writer = store->OpenWriter("small");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("hello ").ok());
  ASSERT_TRUE((*writer)->Append("world").ok());
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_TRUE(etag.ok()) << etag.error().ToString();
  EXPECT_EQ(*etag, SinglePartEtag("hello world"));
  EXPECT_EQ(bucket_.objects.at("small"), "hello world");
}

TEST_F(S3StoreTest, DeleteRemovesTheObject) {
  auto store = Store();
  ASSERT_TRUE(store->Put("data/a.json.gz", "a").ok());
  ASSERT_TRUE(store->Delete("data/a.json.gz").ok());
  EXPECT_EQ(bucket_.objects.count("data/a.json.gz"), 0u);
}

TEST_F(S3StoreTest, EmptyObjectIsOneEmptyPart) {
  auto store = Store();
  auto writer = store->OpenWriter("empty");
  ASSERT_TRUE(writer.ok());
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_TRUE(etag.ok()) << etag.error().ToString();
  EXPECT_EQ(bucket_.part_sizes, (std::vector<int64_t>{0}));
  EXPECT_EQ(*etag, SinglePartEtag(""));
  EXPECT_EQ(*etag, "59adb24ef3cdbe0297f05b395827453f-1");
  EXPECT_EQ(bucket_.objects.at("empty"), "");
}

TEST_F(S3StoreTest, CompletedEtagMismatchIsCorruptionAndRemovesTheObject) {
  auto store = Store();
  bucket_.complete_etag = "00000000000000000000000000000000-1";
  auto writer = store->OpenWriter("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("data").ok());
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_FALSE(etag.ok());
  EXPECT_EQ(etag.error().kind, ErrorKind::kCorruption);
  EXPECT_TRUE(HasText(etag.error().message, "s3://b-1/k"));
  EXPECT_TRUE(HasText(etag.error().message, SinglePartEtag("data")));
  EXPECT_EQ(bucket_.deleted, std::vector<std::string>{"k"});
  EXPECT_EQ(bucket_.objects.count("k"), 0u);
}

TEST_F(S3StoreTest, PartEtagMismatchIsCorruptionAndAborts) {
  auto store = Store();
  bucket_.part_etag = "ffffffffffffffffffffffffffffffff";
  auto writer = store->OpenWriter("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("data").ok());
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_FALSE(etag.ok());
  EXPECT_EQ(etag.error().kind, ErrorKind::kCorruption);
  EXPECT_TRUE(HasText(etag.error().message, "part 1 of s3://b-1/k"));
  EXPECT_EQ(bucket_.aborted.size(), 1u);
  EXPECT_EQ(bucket_.completed, 0);
  // The writer is closed now.
  EXPECT_FALSE((*writer)->Append("more").ok());
  EXPECT_FALSE((*writer)->Finish().ok());
}

TEST_F(S3StoreTest, KmsEtagsAreNotCheckedAndReturnedAsSent) {
  auto store = Store();
  bucket_.sse = "aws:kms";
  bucket_.part_etag = "a1b2c3";
  bucket_.complete_etag = "kmsetag-1";
  auto writer = store->OpenWriter("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("data").ok());
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_TRUE(etag.ok()) << etag.error().ToString();
  EXPECT_EQ(*etag, "kmsetag-1");
}

// Asked for SSE-KMS, the store takes S3's ETags as they are even from a server that does not
// say how it encrypted the object.
TEST_F(S3StoreTest, KmsAskedEtagsAreNotCheckedEvenWhenTheAnswerIsSilent) {
  auto store = Store(5 * kMiB, {"aws:kms", "alias/exports"});
  bucket_.part_etag = "a1b2c3";
  bucket_.complete_etag = "kmsetag-1";
  ASSERT_TRUE(store->Put("p/manifest-summary.json", "{}").ok());
  auto writer = store->OpenWriter("p/data/k.json.gz");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("data").ok());
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_TRUE(etag.ok()) << etag.error().ToString();
  EXPECT_EQ(*etag, "kmsetag-1");
  EXPECT_TRUE(bucket_.deleted.empty());
}

// Only the requests that create an object ask for encryption; UploadPart and
// CompleteMultipartUpload must not (S3 refuses them with the headers).
TEST_F(S3StoreTest, EncryptionHeadersOnlyOnPutObjectAndCreateMultipartUpload) {
  auto store = Store(5 * kMiB, {"aws:kms", "arn:aws:kms:us-east-1:111122223333:key/k-1"});
  ASSERT_TRUE(store->Put("p/a.md5", "x").ok());
  auto writer = store->OpenWriter("p/data/k.json.gz");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("data").ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  const std::vector<HttpRequest> sent = transport_.requests();
  ASSERT_EQ(sent.size(), 4u);  // PutObject, Create, UploadPart, Complete
  for (size_t i = 0; i < sent.size(); ++i) {
    const bool creates = i < 2;
    const std::string* sse = sent[i].FindHeader("x-amz-server-side-encryption");
    const std::string* key = sent[i].FindHeader("x-amz-server-side-encryption-aws-kms-key-id");
    const std::string* authorization = sent[i].FindHeader("Authorization");
    ASSERT_NE(authorization, nullptr);
    if (creates) {
      ASSERT_NE(sse, nullptr) << i;
      EXPECT_EQ(*sse, "aws:kms");
      ASSERT_NE(key, nullptr) << i;
      EXPECT_EQ(*key, "arn:aws:kms:us-east-1:111122223333:key/k-1");
      EXPECT_TRUE(HasText(*authorization,
                          "x-amz-server-side-encryption;"
                          "x-amz-server-side-encryption-aws-kms-key-id"))
          << i;
    } else {
      EXPECT_EQ(sse, nullptr) << i;
      EXPECT_EQ(key, nullptr) << i;
      EXPECT_FALSE(HasText(*authorization, "x-amz-server-side-encryption")) << i;
    }
  }
}

// SSE-S3 objects keep MD5 ETags: the check stays.
TEST_F(S3StoreTest, Aes256StillChecksEtags) {
  auto store = Store(5 * kMiB, {"AES256", ""});
  bucket_.sse = "AES256";
  ASSERT_TRUE(store->Put("p/a", "x").ok());
  const HttpRequest put = transport_.requests().back();
  EXPECT_EQ(*put.FindHeader("x-amz-server-side-encryption"), "AES256");
  EXPECT_EQ(put.FindHeader("x-amz-server-side-encryption-aws-kms-key-id"), nullptr);
  bucket_.part_etag = "ffffffffffffffffffffffffffffffff";
  aws::Status put_again = store->Put("p/b", "y");
  ASSERT_FALSE(put_again.ok());
  EXPECT_EQ(put_again.error().kind, ErrorKind::kCorruption);
}

TEST_F(S3StoreTest, DestroyingAnUnfinishedWriterAbortsTheUpload) {
  auto store = Store(5 * kMiB);
  {
    auto writer = store->OpenWriter("k");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(Bytes(6 * kMiB, 'c')).ok());
    EXPECT_EQ(bucket_.uploads.size(), 1u);
  }
  EXPECT_EQ(bucket_.aborted, std::vector<std::string>{"upload-1"});
  EXPECT_TRUE(bucket_.uploads.empty());
  EXPECT_EQ(bucket_.objects.count("k"), 0u);
}

TEST_F(S3StoreTest, AbortThenDestroyAbortsOnce) {
  auto store = Store();
  auto writer = store->OpenWriter("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("x").ok());
  (*writer)->Abort();
  (*writer)->Abort();
  writer->reset();
  EXPECT_EQ(bucket_.aborted.size(), 1u);
  size_t deletes = 0;
  for (const HttpRequest& r : transport_.requests()) deletes += r.method == "DELETE";
  EXPECT_EQ(deletes, 1u);
}

// Uploads a killed process left (nothing aborts them): only those under the prefix go, across
// pages of the listing.
TEST_F(S3StoreTest, AbortIncompleteUploadsUnderThePrefix) {
  auto store = Store();
  bucket_.uploads_per_page = 2;
  for (const char* key : {"x/data/a.json.gz", "x/data/b.json.gz", "x/data/b.json.gz",
                          "x/data/c.json.gz", "x/data2/d.json.gz", "x/manifest-files.json"}) {
    ASSERT_TRUE(store->client().CreateMultipartUpload(kBucket, key).ok()) << key;
  }
  ASSERT_EQ(bucket_.uploads.size(), 6u);
  Result<size_t> aborted = store->AbortIncompleteUploads("x/data/");
  ASSERT_TRUE(aborted.ok()) << aborted.error().ToString();
  EXPECT_EQ(*aborted, 4u);
  std::vector<std::string> left;
  for (const auto& [id, key] : bucket_.upload_keys) left.push_back(key);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"x/data2/d.json.gz", "x/manifest-files.json"}));
  size_t lists = 0;
  for (const HttpRequest& r : transport_.requests()) lists += HasText(r.url, "?uploads&");
  EXPECT_EQ(lists, 2u);  // 4 uploads, 2 a page

  EXPECT_EQ(*store->AbortIncompleteUploads("x/data/"), 0u);
}

TEST_F(S3StoreTest, FailedPartUploadAbortsAndReportsTheCause) {
  auto store = Store(5 * kMiB);
  bucket_.fail_part = 2;
  auto writer = store->OpenWriter("k");
  ASSERT_TRUE(writer.ok());
  aws::Status appended = (*writer)->Append(Bytes(11 * kMiB, 'd'));
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().code, "AccessDenied");
  EXPECT_TRUE(HasText(appended.error().message, "s3:PutObject"));
  EXPECT_EQ(bucket_.aborted.size(), 1u);
}

TEST_F(S3StoreTest, LostCompleteAnswerIsRecoveredWhenTheObjectMatches) {
  auto store = Store();
  bucket_.lose_complete_answer = true;
  auto writer = store->OpenWriter("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("data").ok());
  // The retried Complete finds the upload gone; HEAD shows the object this upload made. (The
  // fake's HEAD ETag is a plain MD5, so give it the multipart one S3 would show.)
  bucket_.head_etag = SinglePartEtag("data");
  Result<std::string> etag = (*writer)->Finish();
  ASSERT_TRUE(etag.ok()) << etag.error().ToString();
  EXPECT_EQ(*etag, SinglePartEtag("data"));
  EXPECT_EQ(bucket_.completed, 1);
}

TEST_F(S3StoreTest, FinishTwiceFails) {
  auto store = Store();
  auto writer = store->OpenWriter("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Finish().ok());
  Result<std::string> again = (*writer)->Finish();
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(HasText(again.error().message, "already finished"));
}

TEST_F(S3StoreTest, PutGetExistsList) {
  auto store = Store();
  ASSERT_TRUE(store->Put("p/manifest-summary.json", "{}").ok());
  ASSERT_TRUE(store->Put("p/data/a b.json.gz", "abc").ok());
  ASSERT_TRUE(store->Put("q/other", "x").ok());

  Result<std::string> got = store->Get("p/data/a b.json.gz");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(*got, "abc");
  Result<bool> exists = store->Exists("p/manifest-summary.json");
  ASSERT_TRUE(exists.ok());
  EXPECT_TRUE(*exists);
  Result<bool> missing = store->Exists("p/nope");
  ASSERT_TRUE(missing.ok()) << missing.error().ToString();
  EXPECT_FALSE(*missing);

  auto listed = store->List("p/");
  ASSERT_TRUE(listed.ok()) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "p/data/a b.json.gz");
  EXPECT_EQ((*listed)[0].size, 3);
  EXPECT_EQ((*listed)[1].key, "p/manifest-summary.json");
}

TEST_F(S3StoreTest, GetRangeReadsPartsWithTheObjectsEtag) {
  auto store = Store();
  ASSERT_TRUE(store->Put("p/data/f.json.gz", "0123456789").ok());
  Result<ObjectRange> first = store->GetRange("p/data/f.json.gz", 0, 4);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->bytes, "0123");
  EXPECT_EQ(first->object_size, 10);
  EXPECT_EQ(first->version, Md5Hex("0123456789"));
  EXPECT_EQ(store->GetRange("p/data/f.json.gz", 8, 4)->bytes, "89");
  Result<ObjectRange> past = store->GetRange("p/data/f.json.gz", 10, 4);
  ASSERT_TRUE(past.ok()) << past.error().ToString();
  EXPECT_EQ(past->bytes, "");

  ASSERT_TRUE(store->Put("p/empty", "").ok());
  Result<ObjectRange> empty = store->GetRange("p/empty", 0, 4);
  ASSERT_TRUE(empty.ok()) << empty.error().ToString();
  EXPECT_EQ(empty->object_size, 0);

  bucket_.ignore_ranges = true;
  Result<ObjectRange> whole = store->GetRange("p/data/f.json.gz", 4, 3);
  EXPECT_TRUE(whole->whole);
  EXPECT_EQ(whole->bytes, "0123456789");

  Result<ObjectRange> missing = store->GetRange("p/none", 0, 4);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "NoSuchKey");
  EXPECT_TRUE(HasText(missing.error().message, store->Describe("p/none")));
}

TEST_F(S3StoreTest, ADataFileIsReadRangeByRangeAndARewriteIsNoticed) {
  auto store = Store();
  const std::string key = "p/AWSDynamoDB/01-x/data/f.json.gz";
  auto write = [&](const std::string& prefix) {
    auto writer = DataFileWriter::Open(*store, key, 6);
    EXPECT_TRUE(writer.ok());
    for (int i = 0; i < 400; ++i) {
      EXPECT_TRUE((*writer)
                      ->AddLine(R"({"Item":{"pk":{"S":")" + prefix + std::to_string(i) + R"("}}})")
                      .ok());
    }
    return std::move(*(*writer)->Finish());
  };
  const DataFileEntry entry = write("a");
  Result<DataFileReader> reader = DataFileReader::Open(store.get(), entry, 100);
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  EXPECT_FALSE(reader->held());
  int64_t lines = 0;
  auto count = [&](LineBlock block) {
    lines += static_cast<int64_t>(block.lines.size());
    return aws::Status::Ok();
  };
  aws::Status pass = reader->ForEachLineBlock(count);
  ASSERT_TRUE(pass.ok()) << pass.error().ToString();
  EXPECT_EQ(lines, 400);

  write("b");  // the same size, another ETag
  pass = reader->ForEachLineBlock(count);
  ASSERT_FALSE(pass.ok());
  EXPECT_TRUE(HasText(pass.error().message, "changed while it was being read"));
}

TEST_F(S3StoreTest, ADataFileOfAnExactMultipleOfTheRangeIsReadWithoutAskingPastItsEnd) {
  auto store = Store();
  const std::string key = "p/AWSDynamoDB/01-x/data/m.json.gz";
  // A file of an even size, so that half of it is a range it is exactly two of.
  DataFileEntry entry;
  int count = 300;
  for (;; ++count) {
    auto writer = DataFileWriter::Open(*store, key, 6);
    ASSERT_TRUE(writer.ok());
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(
          (*writer)->AddLine(R"({"Item":{"pk":{"S":"m)" + std::to_string(i) + R"("}}})").ok());
    }
    entry = std::move(*(*writer)->Finish());
    if (bucket_.objects[key].size() % 2 == 0) break;
  }
  const size_t size = bucket_.objects[key].size();
  // The file is one range, two ranges exactly, and one range plus a byte.
  for (size_t range : {size, size / 2, size - 1}) {
    bucket_.ranges_asked = 0;
    bucket_.invalid_ranges = 0;
    Result<DataFileReader> reader = DataFileReader::Open(store.get(), entry, range);
    ASSERT_TRUE(reader.ok()) << range << ": " << reader.error().ToString();
    for (int pass = 0; pass < 2; ++pass) {
      int64_t lines = 0;
      aws::Status s = reader->ForEachLineBlock([&](LineBlock block) {
        lines += static_cast<int64_t>(block.lines.size());
        return aws::Status::Ok();
      });
      ASSERT_TRUE(s.ok()) << range << ": " << s.error().ToString();
      EXPECT_EQ(lines, count) << range;
    }
    EXPECT_EQ(bucket_.invalid_ranges, 0) << range;
    // Held when one range holds it; else Open's range, then the rest of each pass.
    const int per_pass = static_cast<int>((size + range - 1) / range);
    EXPECT_EQ(bucket_.ranges_asked, range == size ? 1 : 2 * per_pass) << range;
  }
}

TEST_F(S3StoreTest, AnEmptyDataFileIsDamaged) {
  auto store = Store();
  const std::string key = "p/AWSDynamoDB/01-x/data/e.json.gz";
  ASSERT_TRUE(store->Put(key, "").ok());
  DataFileEntry entry;
  entry.data_file_s3_key = key;
  entry.md5_checksum = Md5Base64("");
  entry.etag = SinglePartEtag("");
  Result<DataFileReader> reader = DataFileReader::Open(store.get(), entry, 100);
  ASSERT_TRUE(reader.ok()) << reader.error().ToString();
  aws::Status s = reader->ForEachLineBlock([](LineBlock) { return aws::Status::Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(HasText(s.error().message, "is damaged")) << s.error().message;
}

TEST_F(S3StoreTest, GetOfAMissingObjectNamesIt) {
  auto store = Store();
  Result<std::string> got = store->Get("p/manifest-summary.json");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(got.error().code, "NoSuchKey");
  EXPECT_TRUE(HasText(got.error().message, store->Describe("p/manifest-summary.json")));
}

TEST_F(S3StoreTest, PutEtagMismatchIsCorruption) {
  auto store = Store();
  bucket_.part_etag = "ffffffffffffffffffffffffffffffff";
  aws::Status put = store->Put("k", "abc");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().kind, ErrorKind::kCorruption);
  EXPECT_EQ(bucket_.objects.count("k"), 0u);
}

TEST_F(S3StoreTest, CheckRootNeedsTheBucket) {
  auto store = Store();
  EXPECT_TRUE(store->CheckRoot(/*create=*/false).ok());
  transport_.Respond(404, "");
  aws::Status missing = store->CheckRoot(/*create=*/true);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kInvalidInput);
  EXPECT_TRUE(HasText(missing.error().message, "s3://b-1"));
  EXPECT_TRUE(HasText(missing.error().message, "check the bucket name"));
}

}  // namespace
}  // namespace ddbm::storage
