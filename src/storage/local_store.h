// LocalStore: an ObjectStore over a local directory that plays the bucket root: the key
// "AWSDynamoDB/x/manifest-files.json" is the file <root>/AWSDynamoDB/x/manifest-files.json.
//
// Writes never leave a torn object: bytes go to a temporary file beside the target (named
// ".<name>.<unique>.ddbm-tmp"), which is fsynced and then renamed over it; List never shows
// such temporary files. Keys that would leave the root (a ".." segment, a leading '/'), or that
// cannot map to one file (an empty or "." segment, a trailing '/', a NUL byte, the temporary
// suffix) are kInvalidInput. I/O failures are kInvalidInput naming the path and the reason.
// Thread-safe, as ObjectStore requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "storage/object_store.h"

namespace ddbm::storage {

class LocalStore final : public ObjectStore {
 public:
  // The part size the ETag is computed with; the same as the S3 store's default upload part
  // size, so that a local and an S3 export of the same bytes record the same ETag.
  static constexpr int64_t kDefaultPartSize = int64_t{8} << 20;

  // `root` is made absolute against the working directory now; nothing is checked until
  // CheckRoot. REQUIRES: part_size > 0.
  explicit LocalStore(std::string_view root, int64_t part_size = kDefaultPartSize);

  // Missing file: kInvalidInput, code "NoSuchKey", naming Describe(key).
  aws::Result<std::string> Get(std::string_view key) const override;
  aws::Result<ObjectRange> GetRange(std::string_view key, int64_t offset,
                                    size_t length) const override;
  // True for a regular file (or a link to one); false when missing or a directory.
  aws::Result<bool> Exists(std::string_view key) const override;
  // Creates missing parent directories, then writes atomically (see above).
  aws::Status Put(std::string_view key, std::string_view bytes) override;
  aws::Status Delete(std::string_view key) override;
  // Creates missing parent directories and the temporary file now. The writer buffers, so
  // errors from Append may only surface at a later Append or at Finish.
  aws::Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override;
  // Every regular file under the root (recursively) whose key starts with `prefix`, sorted by
  // key. A missing root or prefix directory lists nothing.
  aws::Result<std::vector<ObjectInfo>> List(std::string_view prefix) const override;
  // Deletes the temporary files (see above) of keys starting with `prefix`: those of writers
  // of any process that died before Finish or Abort. Only names of exactly the temporary form
  // are touched.
  aws::Result<size_t> AbortIncompleteUploads(std::string_view prefix) override;
  // create: makes the directory and its parents when missing, then proves it writable by
  // creating and removing a probe file. !create (reading): requires an existing, readable
  // directory; it may be read-only.
  aws::Status CheckRoot(bool create) override;

  // The absolute path of the key's file.
  std::string Describe(std::string_view key) const override;
  std::optional<std::string> bucket() const override { return std::nullopt; }

  const std::string& root() const { return root_; }

 private:
  const std::string root_;  // absolute, normalised, without a trailing '/' (unless "/")
  const int64_t part_size_;
};

}  // namespace ddbm::storage
