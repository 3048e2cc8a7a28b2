#include "storage/data_file_writer.h"

#include <simdjson.h>

#include <cstring>

namespace ddbm::storage {
namespace {

// Lines are compressed in blocks this large, and compressed bytes handed to the store in
// blocks this large: few calls per item, bounded memory per file.
constexpr size_t kLineBlock = size_t{256} << 10;
constexpr size_t kUploadBlock = size_t{1} << 20;

}  // namespace

aws::Result<std::unique_ptr<DataFileWriter>> DataFileWriter::Open(ObjectStore& store,
                                                                  std::string key, int gzip_level) {
  aws::Result<std::unique_ptr<ObjectWriter>> writer = store.OpenWriter(key);
  if (!writer.ok()) return std::move(writer).error();
  return std::unique_ptr<DataFileWriter>(
      new DataFileWriter(std::move(key), std::move(*writer), gzip_level));
}

DataFileWriter::DataFileWriter(std::string key, std::unique_ptr<ObjectWriter> writer,
                               int gzip_level)
    : key_(std::move(key)), writer_(std::move(writer)), gzip_(gzip_level) {
  lines_.reserve(kLineBlock + (size_t{64} << 10));
}

aws::Status DataFileWriter::AddItem(std::string_view item_json) {
  std::string minified;
  if (std::memchr(item_json.data(), '\n', item_json.size()) != nullptr) {
    minified.resize(item_json.size());
    size_t size = 0;
    if (simdjson::minify(item_json.data(), item_json.size(), minified.data(), size) !=
        simdjson::SUCCESS) {
      return aws::Error::Make(aws::ErrorKind::kCorruption,
                              "an item read from the table is not valid JSON");
    }
    minified.resize(size);
    item_json = minified;
  }
  lines_ += R"({"Item":)";
  lines_ += item_json;
  lines_ += "}\n";
  ++item_count_;
  uncompressed_bytes_ += item_json.size() + 10;
  if (lines_.size() >= kLineBlock) return Compress(false);
  return aws::Status::Ok();
}

aws::Status DataFileWriter::AddLine(std::string_view line) {
  lines_ += line;
  lines_ += '\n';
  ++item_count_;
  uncompressed_bytes_ += line.size() + 1;
  if (lines_.size() >= kLineBlock) return Compress(false);
  return aws::Status::Ok();
}

aws::Status DataFileWriter::Compress(bool final) {
  if (!lines_.empty()) {
    gzip_.Write(lines_, &compressed_);
    lines_.clear();
  }
  if (final) gzip_.Finish(&compressed_);
  if (compressed_.size() >= kUploadBlock || (final && !compressed_.empty())) {
    md5_.Update(compressed_);
    compressed_bytes_ += compressed_.size();
    aws::Status s = writer_->Append(compressed_);
    compressed_.clear();
    return s;
  }
  return aws::Status::Ok();
}

aws::Result<DataFileEntry> DataFileWriter::Finish() {
  if (aws::Status s = Compress(true); !s.ok()) {
    writer_->Abort();
    return std::move(s).error();
  }
  aws::Result<std::string> etag = writer_->Finish();
  if (!etag.ok()) return std::move(etag).error();
  DataFileEntry entry;
  entry.item_count = item_count_;
  entry.md5_checksum = md5_.FinishBase64();
  entry.etag = std::move(*etag);
  entry.data_file_s3_key = key_;
  return entry;
}

}  // namespace ddbm::storage
