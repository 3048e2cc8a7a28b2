// ObjectStore: the seam between the export layout and where its files live: an S3 bucket
// (s3_store.h) or a local directory standing in for a bucket root (local_store.h).
//
// Keys are relative to the store's root ("AWSDynamoDB/0171.../manifest-summary.json", prefix
// included when the export has one), always with '/' separators and never starting with '/'.
// Implementations are thread-safe: many threads may read, list and write at once (each writer
// object is used by one thread at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"

namespace ddbm::storage {

struct ObjectInfo {
  std::string key;
  int64_t size = 0;
};

// Part of an object, with what identifies the object's version it came from.
struct ObjectRange {
  std::string bytes;
  // The whole object's; past its end, a bound: the object is no larger.
  int64_t object_size = 0;
  // Changes when the object is rewritten (S3: its ETag; a file: its size, inode and mtime);
  // empty when unknown. Two ranges with different non-empty versions are of different objects.
  std::string version;
  // The store sent the whole object whatever the range (an S3 server that ignores Range):
  // `bytes` is all of it.
  bool whole = false;
};

// A streamed upload of one object. Nothing is visible under the key until Finish succeeds; a
// writer destroyed without Finish (or after Abort) leaves nothing behind where it can (S3:
// AbortMultipartUpload; local: the temporary file is removed).
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  // Appends bytes. May upload a part once enough is buffered (S3: part_size bytes per part).
  virtual aws::Status Append(std::string_view bytes) = 0;
  // Completes the object and returns its ETag as AWS exports record it: the multipart form,
  // lowercase hex MD5 of the concatenated binary MD5s of the parts, "-", the number of parts
  // (an object that fits one part is "-1"; an empty object is one empty part).
  virtual aws::Result<std::string> Finish() = 0;
  virtual void Abort() = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The whole object. A missing object is kInvalidInput whose message names it as Describe(key)
  // does, with code "NoSuchKey".
  virtual aws::Result<std::string> Get(std::string_view key) const = 0;
  // Bytes [offset, offset + length) of the object, or fewer (always at its end, none from its
  // end on; a store may also answer short elsewhere), unless `whole`. Reading an object range
  // by range keeps memory at one range whatever its size. A missing object fails as Get does.
  // REQUIRES: offset >= 0, length > 0.
  virtual aws::Result<ObjectRange> GetRange(std::string_view key, int64_t offset,
                                            size_t length) const = 0;
  // Whether the object exists (false for a missing key; errors only for real failures).
  virtual aws::Result<bool> Exists(std::string_view key) const = 0;
  // Writes a whole object in one request (small files: manifests, checksums, _started).
  virtual aws::Status Put(std::string_view key, std::string_view bytes) = 0;
  // Removes the object; a missing one is not an error.
  virtual aws::Status Delete(std::string_view key) = 0;
  // Starts a streamed upload (data files); see ObjectWriter.
  virtual aws::Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) = 0;
  // Every object whose key starts with `prefix`, in key order.
  virtual aws::Result<std::vector<ObjectInfo>> List(std::string_view prefix) const = 0;
  // Removes what writers that never finished left behind for keys starting with `prefix` (a
  // process killed mid-write runs no Abort): S3's incomplete multipart uploads, a directory's
  // temporary files. Returns how many were removed. Writers still open under `prefix` lose
  // their upload too, so call it only when none are (e.g. before a resumed export starts).
  virtual aws::Result<size_t> AbortIncompleteUploads(std::string_view prefix) = 0;
  // Checks the root is usable (the bucket exists and answers; the directory exists or can be
  // created when `create` is set). Errors name the location and what to do.
  virtual aws::Status CheckRoot(bool create) = 0;

  // How a user names `key`: "s3://bucket/key" or "/abs/dir/key".
  virtual std::string Describe(std::string_view key) const = 0;
  // The bucket name for manifests ("s3Bucket"); nullopt for a local directory.
  virtual std::optional<std::string> bucket() const = 0;
};

}  // namespace ddbm::storage
