// S3Client: the S3 REST operations export and import need (objects, listings, multipart
// uploads and their listing, a bucket check), over an aws::ServiceClient that signs, sends and
// retries.
//
// Errors a user can act on are kInvalidInput with a one-line message naming s3://bucket/key and
// what to do (NoSuchBucket, NoSuchKey, a bucket in another region); AccessDenied stays kService
// with a message naming the permission the call needs. SlowDown and 5xx answers are retried by
// the ServiceClient's policy. Thread-safe: every method may be called from many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "aws/service_client.h"
#include "storage/object_store.h"

namespace ddbm::storage {

// Where the bucket goes in a request URL.
enum class S3AddressingStyle {
  // Virtual-hosted for AWS's own S3 endpoints and DNS-compatible bucket names; path style for
  // any other endpoint (moto, MinIO, a proxy) and for names with dots or upper case.
  kAuto,
  kPath,           // http://host:port/bucket/key
  kVirtualHosted,  // https://bucket.s3.<region>.amazonaws.com/key
};

// Server-side encryption asked of S3 for an object, as S3's headers name it.
struct S3ServerSideEncryption {
  // x-amz-server-side-encryption: "AES256" (SSE-S3) or "aws:kms" (SSE-KMS); empty: none asked,
  // the bucket's default encryption applies.
  std::string algorithm;
  // x-amz-server-side-encryption-aws-kms-key-id: a KMS key id, ARN or alias; "aws:kms" only.
  // Empty with "aws:kms": the account's AWS managed key for S3.
  std::string kms_key_id;
  bool operator==(const S3ServerSideEncryption&) const = default;
};

struct S3ClientOptions {
  S3AddressingStyle addressing = S3AddressingStyle::kAuto;
  // Sent, and signed, with every request that creates an object: PutObject and
  // CreateMultipartUpload (S3 refuses the headers on UploadPart and CompleteMultipartUpload).
  S3ServerSideEncryption encryption;
};

// What S3 answers to a write (PutObject, UploadPart, CompleteMultipartUpload).
struct S3WriteResult {
  std::string etag;  // without the surrounding quotes
  // x-amz-server-side-encryption when S3 sent it ("AES256", "aws:kms", "aws:kms:dsse").
  std::string server_side_encryption;
};

// HeadObject's answer for an object that exists.
struct S3ObjectHead {
  int64_t size = 0;
  std::string etag;  // without the surrounding quotes
};

// Part of an object, and what S3 said of the whole object with it.
struct S3ObjectRange {
  std::string bytes;
  int64_t object_size = 0;
  std::string etag;  // the whole object's, without quotes; empty when S3 sent none
  // The server ignored the Range and sent the whole object: `bytes` is all of it.
  bool whole = false;
};

// One page of ListObjectsV2.
struct S3ListPage {
  std::vector<ObjectInfo> objects;
  // Set when more pages follow: pass it as `continuation_token` for the next page.
  std::optional<std::string> next_continuation_token;
};

// A multipart upload that was started and neither completed nor aborted.
struct S3MultipartUpload {
  std::string key;
  std::string upload_id;
};

// Where a ListMultipartUploads page starts: after this key's uploads (when upload_id is empty),
// or after this upload of this key.
struct S3UploadMarker {
  std::string key;
  std::string upload_id;
  bool operator==(const S3UploadMarker&) const = default;
};

// One page of ListMultipartUploads.
struct S3UploadsPage {
  std::vector<S3MultipartUpload> uploads;  // by key, then by the time each was started
  // Set when more pages follow: pass it as `marker` for the next page.
  std::optional<S3UploadMarker> next_marker;
};

struct S3CompletedPart {
  int part_number = 0;
  std::string etag;  // as UploadPart returned it, without quotes
};

// Whether `bucket` can be the first label of a host name: 3 to 63 characters of lower-case
// letters, digits and '-', starting and ending with a letter or digit. Dots are refused too, as
// they break the TLS wildcard certificate of *.s3.<region>.amazonaws.com.
bool IsVirtualHostableBucket(std::string_view bucket);

// Whether `endpoint` is one of AWS's own S3 hosts (s3.<region>.amazonaws.com and its variants).
bool IsAwsS3Endpoint(const aws::Url& endpoint);

class S3Client {
 public:
  // REQUIRES: `service` outlives the client and is configured for S3 (signing name "s3",
  // s3_signing set); its endpoint is the service endpoint without a bucket.
  explicit S3Client(const aws::ServiceClient* service, S3ClientOptions options = {});

  // Writes a whole object in one request.
  aws::Result<S3WriteResult> PutObject(std::string_view bucket, std::string_view key,
                                       std::string_view body) const;
  // The whole object.
  aws::Result<std::string> GetObject(std::string_view bucket, std::string_view key) const;
  // Bytes [offset, offset + length) of the object, in one ranged GET: fewer at the object's
  // end, none from its end on (S3 answers 416 there; object_size is then `offset`, which the
  // object does not exceed: 0 for an empty object). A 206 answer whose Content-Range is not the
  // range asked for is an error; a server that ignores the Range gives `whole`. REQUIRES: offset >=
  // 0, length > 0.
  aws::Result<S3ObjectRange> GetObjectRange(std::string_view bucket, std::string_view key,
                                            int64_t offset, size_t length) const;
  // Removes the object; a missing object counts as removed (S3 answers 204 either way).
  aws::Status DeleteObject(std::string_view bucket, std::string_view key) const;
  // nullopt when the object does not exist. A missing bucket also reads as nullopt (a HEAD
  // answer has no body to tell the two apart); HeadBucket tells.
  aws::Result<std::optional<S3ObjectHead>> HeadObject(std::string_view bucket,
                                                      std::string_view key) const;
  // One page of the objects whose keys start with `prefix`, in key order. `max_keys` 0 leaves
  // the page size to S3 (1000).
  aws::Result<S3ListPage> ListObjectsV2Page(std::string_view bucket, std::string_view prefix,
                                            const std::optional<std::string>& continuation_token,
                                            int max_keys = 0) const;
  // Every object whose key starts with `prefix`, in key order, all pages.
  aws::Result<std::vector<ObjectInfo>> ListObjectsV2(std::string_view bucket,
                                                     std::string_view prefix) const;

  // Returns the upload id.
  aws::Result<std::string> CreateMultipartUpload(std::string_view bucket,
                                                 std::string_view key) const;
  // REQUIRES: 1 <= part_number <= 10000.
  aws::Result<S3WriteResult> UploadPart(std::string_view bucket, std::string_view key,
                                        std::string_view upload_id, int part_number,
                                        std::string_view body) const;
  // `parts` in ascending part number order. The result's etag is the whole object's.
  aws::Result<S3WriteResult> CompleteMultipartUpload(
      std::string_view bucket, std::string_view key, std::string_view upload_id,
      const std::vector<S3CompletedPart>& parts) const;
  // One page of the incomplete multipart uploads of keys starting with `prefix`. `max_uploads`
  // 0 leaves the page size to S3 (1000).
  aws::Result<S3UploadsPage> ListMultipartUploadsPage(std::string_view bucket,
                                                      std::string_view prefix,
                                                      const std::optional<S3UploadMarker>& marker,
                                                      int max_uploads = 0) const;
  // Every incomplete multipart upload of keys starting with `prefix`, all pages.
  aws::Result<std::vector<S3MultipartUpload>> ListMultipartUploads(std::string_view bucket,
                                                                   std::string_view prefix) const;
  // An upload that is already gone (NoSuchUpload) counts as aborted.
  aws::Status AbortMultipartUpload(std::string_view bucket, std::string_view key,
                                   std::string_view upload_id) const;

  // Checks that the bucket exists and the credentials may list it.
  aws::Status HeadBucket(std::string_view bucket) const;

  // The URL a request for `key` in `bucket` goes to ("" key: the bucket itself), `query`
  // (already encoded, without '?') appended. Path style gives a path relative to the service
  // endpoint ("/bucket/key?query"); virtual-hosted style an absolute URL.
  std::string RequestUrl(std::string_view bucket, std::string_view key,
                         std::string_view query = {}) const;
  // Whether requests for `bucket` use virtual-hosted addressing.
  bool UsesVirtualHost(std::string_view bucket) const;

  const aws::ServiceClient& service() const { return *service_; }

 private:
  aws::Result<aws::HttpResponse> Send(std::string_view operation, aws::HttpRequest request,
                                      std::string_view bucket, std::string_view key,
                                      bool xml_answer) const;

  const aws::ServiceClient* service_;
  S3ClientOptions options_;
};

}  // namespace ddbm::storage
