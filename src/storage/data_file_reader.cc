#include "storage/data_file_reader.h"

#include <fmt/format.h>

#include "storage/md5.h"

namespace ddbm::storage {
namespace {

// Compressed bytes inflated per step: a few MB of lines at a time.
constexpr size_t kInflateChunk = size_t{256} << 10;

}  // namespace

aws::Result<std::string> FetchDataFile(const ObjectStore& store, const DataFileEntry& entry) {
  const std::string name = store.Describe(entry.data_file_s3_key);
  aws::Result<std::string> bytes = store.Get(entry.data_file_s3_key);
  if (!bytes.ok()) {
    aws::Error error = std::move(bytes).error();
    if (error.code == "NoSuchKey") {
      error.message = fmt::format("data file {} is listed in the manifest but missing", name);
    }
    return error;
  }
  const std::string md5 = Md5Base64(*bytes);
  if (md5 != entry.md5_checksum) {
    return aws::Error::Make(
        aws::ErrorKind::kInvalidInput,
        fmt::format("data file {} does not match its manifest: MD5 {} expected, {} found ({} "
                    "bytes); the file is corrupt or truncated",
                    name, entry.md5_checksum, md5, bytes->size()));
  }
  if (entry.etag.ends_with("-1") && SinglePartEtag(*bytes) != entry.etag) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            fmt::format("data file {} does not match its manifest: ETag {} "
                                        "expected, {} found",
                                        name, entry.etag, SinglePartEtag(*bytes)));
  }
  return bytes;
}

aws::Status ForEachLineBlock(std::string_view compressed, const std::string& name,
                             const std::function<aws::Status(LineBlock block)>& on_block) {
  auto damaged = [&](const aws::Error& error) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            fmt::format("data file {} is damaged: {}", name, error.message));
  };
  GzipReader gzip;
  LineReader lines;
  size_t offset = 0;
  do {
    const std::string_view chunk = compressed.substr(offset, kInflateChunk);
    offset += chunk.size();
    if (aws::Status s = gzip.Feed(chunk, lines.buffer()); !s.ok()) return damaged(s.error());
    LineBlock block = lines.TakeLines();
    if (!block.lines.empty()) {
      if (aws::Status s = on_block(std::move(block)); !s.ok()) return s;
    }
  } while (offset < compressed.size());
  if (aws::Status s = gzip.Finish(); !s.ok()) return damaged(s.error());
  LineBlock last = lines.Finish();
  if (!last.lines.empty()) return on_block(std::move(last));
  return aws::Status::Ok();
}

}  // namespace ddbm::storage
