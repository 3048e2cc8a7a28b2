// S3Store: the ObjectStore of one S3 bucket (see object_store.h for the contract).
//
// Every streamed object is a multipart upload, as AWS's own exports are, so its ETag always has
// the multipart form "<hex>-<parts>". The writer checks S3's ETags against the MD5s it computes
// itself: a part or object whose ETag differs is kCorruption. Buckets that encrypt with KMS
// (SSE-KMS, DSSE-KMS) answer ETags that are not MD5s; for those the check is skipped and S3's
// ETag is returned as it is, as it is for every object written with options.client.encryption
// asking for SSE-KMS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "aws/service_client.h"
#include "storage/object_store.h"
#include "storage/s3_client.h"

namespace ddbm::storage {

inline constexpr int64_t kS3MinPartSize = int64_t{5} << 20;  // S3's minimum, but the last part
inline constexpr int64_t kS3MaxPartSize = int64_t{5} << 30;
inline constexpr int kS3MaxParts = 10'000;

struct S3StoreOptions {
  // Bytes per uploaded part but the last. From kS3MinPartSize to kS3MaxPartSize.
  int64_t part_size = int64_t{8} << 20;
  S3ClientOptions client;
};

class S3Store final : public ObjectStore {
 public:
  // REQUIRES: `s3` outlives the store and every writer it opens, and is configured for S3;
  // `options.part_size` is valid (OpenS3Store checks it).
  S3Store(const aws::ServiceClient* s3, std::string bucket, S3StoreOptions options);

  aws::Result<std::string> Get(std::string_view key) const override;
  aws::Result<ObjectRange> GetRange(std::string_view key, int64_t offset,
                                    size_t length) const override;
  aws::Result<bool> Exists(std::string_view key) const override;
  aws::Status Put(std::string_view key, std::string_view bytes) override;
  aws::Status Delete(std::string_view key) override;
  // Starts the multipart upload at once, so a missing bucket or a denied write shows here.
  aws::Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override;
  aws::Result<std::vector<ObjectInfo>> List(std::string_view prefix) const override;
  // ListMultipartUploads, then AbortMultipartUpload for each upload listed (one already gone
  // counts as aborted).
  aws::Result<size_t> AbortIncompleteUploads(std::string_view prefix) override;
  // The bucket must exist and be listable; `create` is ignored: buckets are never created.
  aws::Status CheckRoot(bool create) override;

  std::string Describe(std::string_view key) const override;
  std::optional<std::string> bucket() const override { return bucket_; }

  const S3Client& client() const { return client_; }

 private:
  S3Client client_;
  std::string bucket_;
  S3StoreOptions options_;
};

// Checks the bucket name and the options (kInvalidInput naming the problem), then builds the
// store. Sends nothing; CheckRoot is the first request.
aws::Result<std::unique_ptr<S3Store>> OpenS3Store(const aws::ServiceClient* s3, std::string bucket,
                                                  S3StoreOptions options = {});

}  // namespace ddbm::storage
