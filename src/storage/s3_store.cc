#include "storage/s3_store.h"

#include <algorithm>
#include <utility>

#include "storage/md5.h"

namespace ddbm::storage {
namespace {

using aws::Error;
using aws::ErrorKind;
using aws::Result;
using aws::Status;

std::string Lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// KMS-encrypted objects have ETags that are not MD5s of their bytes.
bool IsKms(std::string_view algorithm) { return algorithm.starts_with("aws:kms"); }
bool EtagIsNotMd5(const S3WriteResult& result) { return IsKms(result.server_side_encryption); }

Error Corruption(std::string message) {
  Error error = Error::Make(ErrorKind::kCorruption, std::move(message));
  error.service = "s3";
  return error;
}

// One streamed object: a multipart upload, a part per part_size bytes appended. Used by one
// thread at a time. Any failure aborts the upload; the writer then refuses further calls.
class S3ObjectWriter final : public ObjectWriter {
 public:
  // `kms_asked`: the upload was created with SSE-KMS, so its ETags are not MD5s even when an
  // answer does not say how the object is encrypted.
  S3ObjectWriter(const S3Client* client, std::string bucket, std::string key, std::string upload_id,
                 int64_t part_size, bool kms_asked)
      : client_(client),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        upload_id_(std::move(upload_id)),
        part_size_(static_cast<size_t>(part_size)),
        etag_is_not_md5_(kms_asked) {}

  ~S3ObjectWriter() override { Abort(); }

  Status Append(std::string_view bytes) override {
    if (Status open = CheckOpen(); !open) return open;
    while (!bytes.empty()) {
      if (buffer_.capacity() < part_size_) buffer_.reserve(part_size_);
      const size_t take = std::min(bytes.size(), part_size_ - buffer_.size());
      buffer_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (buffer_.size() == part_size_) {
        if (Status uploaded = UploadBuffer(); !uploaded) return Fail(std::move(uploaded).error());
      }
    }
    return Status::Ok();
  }

  Result<std::string> Finish() override {
    if (Status open = CheckOpen(); !open) return std::move(open).error();
    // The rest, or the one empty part of an empty object.
    if (!buffer_.empty() || parts_.empty()) {
      if (Status uploaded = UploadBuffer(); !uploaded) return Fail(std::move(uploaded).error());
    }
    const std::string expected = MultipartEtag(part_md5s_);
    Result<S3WriteResult> completed =
        client_->CompleteMultipartUpload(bucket_, key_, upload_id_, parts_);
    if (!completed.ok()) {
      // A retried Complete whose first attempt succeeded finds the upload gone: the object is
      // there when its ETag is the one this upload produces.
      if (completed.error().code == "NoSuchUpload" && !etag_is_not_md5_) {
        Result<std::optional<S3ObjectHead>> head = client_->HeadObject(bucket_, key_);
        if (head.ok() && head->has_value() && Lower((*head)->etag) == expected) {
          state_ = State::kFinished;
          return expected;
        }
      }
      return Fail(std::move(completed).error());
    }
    state_ = State::kFinished;
    if (etag_is_not_md5_ || EtagIsNotMd5(*completed)) return std::move(completed->etag);
    if (Lower(completed->etag) != expected) {
      // Completed, but not with the bytes this writer sent: it must not stand as the object.
      (void)client_->DeleteObject(bucket_, key_);
      return Corruption("S3 completed " + Where() + " with ETag " + completed->etag +
                        ", but the parts uploaded give " + expected);
    }
    return expected;
  }

  void Abort() override {
    if (state_ != State::kOpen) return;
    state_ = State::kAborted;
    buffer_.clear();
    buffer_.shrink_to_fit();
    // Best effort: an upload left behind is removed by the bucket's lifecycle rules, if any.
    (void)client_->AbortMultipartUpload(bucket_, key_, upload_id_);
  }

 private:
  enum class State { kOpen, kFinished, kAborted };

  std::string Where() const { return "s3://" + bucket_ + "/" + key_; }

  Status CheckOpen() const {
    if (state_ == State::kOpen) return Status::Ok();
    return Error::Make(ErrorKind::kInternal,
                       "the upload of " + Where() + " is already " +
                           (state_ == State::kFinished ? "finished" : "aborted"));
  }

  Error Fail(Error error) {
    Abort();
    return error;
  }

  Status UploadBuffer() {
    const int part_number = static_cast<int>(parts_.size()) + 1;
    if (part_number > kS3MaxParts) {
      return Error::Make(ErrorKind::kInvalidInput, Where() + " needs more than " +
                                                       std::to_string(kS3MaxParts) + " parts of " +
                                                       std::to_string(part_size_) +
                                                       " bytes: raise the part size");
    }
    std::string md5 = Md5::Digest(buffer_);
    Result<S3WriteResult> part =
        client_->UploadPart(bucket_, key_, upload_id_, part_number, buffer_);
    if (!part.ok()) return std::move(part).error();
    if (etag_is_not_md5_ || EtagIsNotMd5(*part)) {
      etag_is_not_md5_ = true;
    } else if (Lower(part->etag) != LowerHex(md5)) {
      return Corruption("S3 stored part " + std::to_string(part_number) + " of " + Where() +
                        " with ETag " + part->etag + ", but its MD5 is " + LowerHex(md5));
    }
    parts_.push_back({part_number, std::move(part->etag)});
    part_md5s_.push_back(std::move(md5));
    buffer_.clear();
    return Status::Ok();
  }

  const S3Client* client_;
  const std::string bucket_;
  const std::string key_;
  const std::string upload_id_;
  const size_t part_size_;
  State state_ = State::kOpen;
  std::string buffer_;  // bytes not yet uploaded, fewer than part_size_
  std::vector<S3CompletedPart> parts_;
  std::vector<std::string> part_md5s_;  // binary MD5 of each part, in part order
  bool etag_is_not_md5_ = false;
};

}  // namespace

S3Store::S3Store(const aws::ServiceClient* s3, std::string bucket, S3StoreOptions options)
    : client_(s3, options.client), bucket_(std::move(bucket)), options_(options) {}

Result<std::string> S3Store::Get(std::string_view key) const {
  return client_.GetObject(bucket_, key);
}

Result<ObjectRange> S3Store::GetRange(std::string_view key, int64_t offset, size_t length) const {
  Result<S3ObjectRange> range = client_.GetObjectRange(bucket_, key, offset, length);
  if (!range.ok()) return std::move(range).error();
  return ObjectRange{std::move(range->bytes), range->object_size, std::move(range->etag),
                     range->whole};
}

Result<bool> S3Store::Exists(std::string_view key) const {
  Result<std::optional<S3ObjectHead>> head = client_.HeadObject(bucket_, key);
  if (!head.ok()) return std::move(head).error();
  return head->has_value();
}

Status S3Store::Delete(std::string_view key) { return client_.DeleteObject(bucket_, key); }

Status S3Store::Put(std::string_view key, std::string_view bytes) {
  Result<S3WriteResult> put = client_.PutObject(bucket_, key, bytes);
  if (!put.ok()) return std::move(put).error();
  const std::string md5 = LowerHex(Md5::Digest(bytes));
  const bool kms = IsKms(options_.client.encryption.algorithm) || EtagIsNotMd5(*put);
  if (!kms && Lower(put->etag) != md5) {
    (void)client_.DeleteObject(bucket_, key);
    return Corruption("S3 stored " + Describe(key) + " with ETag " + put->etag +
                      ", but its MD5 is " + md5);
  }
  return Status::Ok();
}

Result<std::unique_ptr<ObjectWriter>> S3Store::OpenWriter(std::string_view key) {
  Result<std::string> upload_id = client_.CreateMultipartUpload(bucket_, key);
  if (!upload_id.ok()) return std::move(upload_id).error();
  return std::unique_ptr<ObjectWriter>(std::make_unique<S3ObjectWriter>(
      &client_, bucket_, std::string(key), std::move(*upload_id), options_.part_size,
      IsKms(options_.client.encryption.algorithm)));
}

Result<std::vector<ObjectInfo>> S3Store::List(std::string_view prefix) const {
  return client_.ListObjectsV2(bucket_, prefix);
}

Result<size_t> S3Store::AbortIncompleteUploads(std::string_view prefix) {
  Result<std::vector<S3MultipartUpload>> uploads = client_.ListMultipartUploads(bucket_, prefix);
  if (!uploads.ok()) return std::move(uploads).error();
  for (const S3MultipartUpload& upload : *uploads) {
    if (Status aborted = client_.AbortMultipartUpload(bucket_, upload.key, upload.upload_id);
        !aborted) {
      return std::move(aborted).error();
    }
  }
  return uploads->size();
}

Status S3Store::CheckRoot(bool /*create*/) { return client_.HeadBucket(bucket_); }

std::string S3Store::Describe(std::string_view key) const {
  return "s3://" + bucket_ + "/" + std::string(key);
}

Result<std::unique_ptr<S3Store>> OpenS3Store(const aws::ServiceClient* s3, std::string bucket,
                                             S3StoreOptions options) {
  auto invalid = [](std::string message) {
    return Error::Make(ErrorKind::kInvalidInput, std::move(message));
  };
  if (bucket.empty()) return invalid("the S3 bucket name is empty");
  if (bucket.starts_with("s3://")) {
    return invalid("'" + bucket + "' is a URL, not a bucket name: drop the s3:// prefix");
  }
  if (bucket.find('/') != std::string::npos || bucket.size() > 255) {
    return invalid("'" + bucket + "' is not a valid S3 bucket name");
  }
  if (options.part_size < kS3MinPartSize || options.part_size > kS3MaxPartSize) {
    return invalid("the S3 part size must be from " + std::to_string(kS3MinPartSize) + " to " +
                   std::to_string(kS3MaxPartSize) + " bytes, not " +
                   std::to_string(options.part_size));
  }
  return std::make_unique<S3Store>(s3, std::move(bucket), options);
}

}  // namespace ddbm::storage
