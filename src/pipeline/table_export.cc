#include "pipeline/table_export.h"

#include <memory>
#include <mutex>

#include "storage/data_file_writer.h"

namespace ddbm::pipeline {
namespace {

// The files of one segment; used only by that segment's thread.
struct SegmentFiles {
  std::unique_ptr<storage::DataFileWriter> current;
  std::vector<storage::DataFileEntry> done;
};

}  // namespace

aws::Result<TableExportResult> ExportTable(const dynamodb::DynamoDbClient& client,
                                           storage::ObjectStore& store,
                                           const TableExportOptions& options, RateLimiter* limiter,
                                           const std::atomic<bool>* stop,
                                           TableExportCounters* counters) {
  const int segments = std::max(1, options.segments);
  std::vector<SegmentFiles> files(static_cast<size_t>(segments));

  auto open = [&](SegmentFiles& f) -> aws::Status {
    aws::Result<std::unique_ptr<storage::DataFileWriter>> writer = storage::DataFileWriter::Open(
        store, options.data_folder + options.new_file_name(), options.gzip_level);
    if (!writer.ok()) return std::move(writer).error();
    f.current = std::move(*writer);
    return aws::Status::Ok();
  };
  auto close = [&](SegmentFiles& f) -> aws::Status {
    const uint64_t before = f.current->compressed_bytes();
    aws::Result<storage::DataFileEntry> entry = f.current->Finish();
    if (!entry.ok()) return std::move(entry).error();
    counters->compressed_bytes.fetch_add(f.current->compressed_bytes() - before,
                                         std::memory_order_relaxed);
    counters->files.fetch_add(1, std::memory_order_relaxed);
    f.done.push_back(std::move(*entry));
    f.current.reset();
    return aws::Status::Ok();
  };

  dynamodb::ScanRequest base;
  base.table_name = options.table_name;
  base.limit = options.page_size;
  base.consistent_read = options.consistent_read;
  aws::Status scanned =
      ParallelScan(client, base, segments, limiter, stop, &counters->scan,
                   [&](int segment, const dynamodb::ItemPage& page) -> aws::Status {
                     SegmentFiles& f = files[static_cast<size_t>(segment)];
                     for (std::string_view item : page.items) {
                       if (f.current == nullptr) {
                         if (aws::Status s = open(f); !s.ok()) return s;
                       }
                       const uint64_t before = f.current->compressed_bytes();
                       const uint64_t raw_before = f.current->uncompressed_bytes();
                       if (aws::Status s = f.current->AddItem(item); !s.ok()) return s;
                       counters->compressed_bytes.fetch_add(f.current->compressed_bytes() - before,
                                                            std::memory_order_relaxed);
                       counters->uncompressed_bytes.fetch_add(
                           f.current->uncompressed_bytes() - raw_before, std::memory_order_relaxed);
                       if (f.current->uncompressed_bytes() >= options.max_file_bytes) {
                         if (aws::Status s = close(f); !s.ok()) return s;
                       }
                     }
                     return aws::Status::Ok();
                   });
  if (!scanned.ok()) return std::move(scanned).error();

  TableExportResult result;
  result.interrupted = stop != nullptr && stop->load();
  if (result.interrupted) return result;
  for (SegmentFiles& f : files) {
    // A segment that wrote nothing (or ended right after rolling over) still leaves a file
    // when it has none yet: AWS writes an empty gzip for an empty partition.
    if (f.current == nullptr && f.done.empty()) {
      if (aws::Status s = open(f); !s.ok()) return std::move(s).error();
    }
    if (f.current != nullptr) {
      if (aws::Status s = close(f); !s.ok()) return std::move(s).error();
    }
    for (storage::DataFileEntry& entry : f.done) result.files.push_back(std::move(entry));
  }
  return result;
}

}  // namespace ddbm::pipeline
