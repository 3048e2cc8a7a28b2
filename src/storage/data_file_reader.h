// Reading an export's data file: fetching it and checking it against its manifest entry, then
// inflating it into blocks of lines. Thread-safe (pure over the store).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "storage/export_manifest.h"
#include "storage/gzip.h"
#include "storage/object_store.h"

namespace ddbm::storage {

// The file's bytes as stored, once they match the entry's md5Checksum and, for a one-part
// upload ("-1"), its etag (a multipart ETag of several parts cannot be recomputed without the
// part size). A mismatch or a missing file is kInvalidInput naming the file.
aws::Result<std::string> FetchDataFile(const ObjectStore& store, const DataFileEntry& entry);

// Inflates `compressed` and hands its lines to `on_block`, in order, a block at a time; a
// damaged gzip stream (truncated, bad CRC, trailing garbage, empty) is kInvalidInput naming
// `name`. Stops at the first error `on_block` returns, and returns it.
aws::Status ForEachLineBlock(std::string_view compressed, const std::string& name,
                             const std::function<aws::Status(LineBlock block)>& on_block);

}  // namespace ddbm::storage
