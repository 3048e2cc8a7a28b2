// DataFileWriter: writes one data file of an export: JSON lines in, gzip out, streamed to the
// store, with the line count and checksums that manifest-files.json records for it.
// Not thread-safe: one thread writes a file; different files may be written concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "storage/export_manifest.h"
#include "storage/gzip.h"
#include "storage/md5.h"
#include "storage/object_store.h"

namespace ddbm::storage {

class DataFileWriter {
 public:
  // Starts the file at `key` in `store` (which must outlive the writer). Nothing is visible at
  // `key` until Finish succeeds. `gzip_level` is 0 to 9.
  static aws::Result<std::unique_ptr<DataFileWriter>> Open(ObjectStore& store, std::string key,
                                                           int gzip_level);

  // Appends `{"Item":<item_json>}` and a newline. `item_json` is one compact JSON object; one
  // that spans lines is minified first, so the file keeps one item per line.
  aws::Status AddItem(std::string_view item_json);
  // Appends `line` and a newline. REQUIRES: `line` holds no newline.
  aws::Status AddLine(std::string_view line);
  // Flushes, completes the object and returns its manifest entry.
  aws::Result<DataFileEntry> Finish();

  const std::string& key() const { return key_; }
  int64_t item_count() const { return item_count_; }
  uint64_t uncompressed_bytes() const { return uncompressed_bytes_; }
  uint64_t compressed_bytes() const { return compressed_bytes_; }

 private:
  DataFileWriter(std::string key, std::unique_ptr<ObjectWriter> writer, int gzip_level);
  aws::Status Compress(bool final);

  std::string key_;
  std::unique_ptr<ObjectWriter> writer_;
  GzipWriter gzip_;
  Md5 md5_;                 // of the compressed bytes, as stored
  std::string lines_;       // uncompressed lines not yet handed to gzip
  std::string compressed_;  // compressed bytes not yet handed to the store
  int64_t item_count_ = 0;
  uint64_t uncompressed_bytes_ = 0;
  uint64_t compressed_bytes_ = 0;
};

}  // namespace ddbm::storage
