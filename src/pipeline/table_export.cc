#include "pipeline/table_export.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>

#include "storage/data_file_writer.h"

namespace ddbm::pipeline {
namespace {

constexpr char kOperation[] = "export";

// The files of one segment. `current` and `read_to` belong to the segment's thread; `done` and
// `position` change only on that thread too, under the export's mutex, since checkpoints read
// them from any segment's thread.
struct SegmentFiles {
  std::unique_ptr<storage::DataFileWriter> current;
  std::optional<std::string> read_to;  // LastEvaluatedKey of the latest page put into `current`
  std::vector<storage::DataFileEntry> done;
  // The bytes of the files in `done`, as stored (gzip) and as JSON lines.
  uint64_t done_compressed_bytes = 0;
  uint64_t done_uncompressed_bytes = 0;
  SegmentPosition position;  // after the last file in `done`; items: the items in `done`
  // What `current` added to the byte counters so far, taken back when it is dropped.
  uint64_t counted_compressed = 0;
  uint64_t counted_uncompressed = 0;
};

// A segment's checkpoint state: {"Files":[<manifest-files.json entries>],"CompressedBytes":N,
// "UncompressedBytes":N}, the bytes being those of the files listed.
std::string FilesState(const SegmentFiles& f) {
  const std::string lines = storage::SerializeManifestFiles(f.done);
  std::string state = R"({"Files":[)";
  size_t start = 0;
  for (size_t end = lines.find('\n'); end != std::string::npos;
       start = end + 1, end = lines.find('\n', start)) {
    if (start > 0) state += ',';
    state.append(lines, start, end - start);
  }
  state += fmt::format(R"(],"CompressedBytes":{},"UncompressedBytes":{}}})",
                       f.done_compressed_bytes, f.done_uncompressed_bytes);
  return state;
}

// Reads a FilesState into `f`'s `done` and byte counts. A state without the byte counts (saved
// before they were recorded) counts 0 bytes for its files.
aws::Status ParseFilesState(const std::string& state, const std::string& where, SegmentFiles* f) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array files;
  if (parser.parse(simdjson::padded_string(state)).get(root) != simdjson::SUCCESS ||
      root["Files"].get(files) != simdjson::SUCCESS) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            where + ": a segment's files are unreadable; the file is damaged");
  }
  std::string lines;
  for (simdjson::dom::element entry : files) lines.append(simdjson::minify(entry)).append("\n");
  aws::Result<std::vector<storage::DataFileEntry>> done = storage::ParseManifestFiles(lines, where);
  if (!done.ok()) return std::move(done).error();
  f->done = std::move(*done);
  uint64_t bytes = 0;
  f->done_compressed_bytes = root["CompressedBytes"].get(bytes) == simdjson::SUCCESS ? bytes : 0;
  f->done_uncompressed_bytes =
      root["UncompressedBytes"].get(bytes) == simdjson::SUCCESS ? bytes : 0;
  return aws::Status::Ok();
}

}  // namespace

aws::Result<TableExportResult> ExportTable(const dynamodb::DynamoDbClient& client,
                                           storage::ObjectStore& store,
                                           const TableExportOptions& options, RateLimiter* limiter,
                                           const std::atomic<bool>* stop,
                                           TableExportCounters* counters) {
  const int segments =
      options.resume ? options.resume->total_segments : std::max(1, options.segments);
  std::vector<SegmentFiles> files(static_cast<size_t>(segments));
  std::vector<int> todo;  // segments not finished by an earlier run, in order
  int64_t items_from_earlier_runs = 0;
  for (int segment = 0; segment < segments; ++segment) {
    SegmentFiles& f = files[static_cast<size_t>(segment)];
    if (options.resume) {
      f.position = options.resume->segments.at(static_cast<size_t>(segment));
      if (f.position.state) {
        if (aws::Status s =
                ParseFilesState(*f.position.state, "checkpoint " + options.checkpoint_path, &f);
            !s.ok()) {
          return std::move(s).error();
        }
        for (const storage::DataFileEntry& entry : f.done) {
          items_from_earlier_runs += entry.item_count;
        }
      }
    }
    if (!f.position.done) todo.push_back(segment);
  }
  size_t stale_files_deleted = 0;
  size_t incomplete_uploads_aborted = 0;
  if (options.resume) {
    // The files a killed run was writing are read again too; what it had uploaded of them
    // (S3's multipart uploads, a directory's temporary files) is removed here, before any
    // writer of this run opens under the folder.
    aws::Result<size_t> aborted = store.AbortIncompleteUploads(options.data_folder);
    if (!aborted.ok()) return std::move(aborted).error();
    incomplete_uploads_aborted = *aborted;
    // Files a killed run finished after its last save are read again into new files: delete
    // them, so that the folder holds only what the manifest will list (DynamoDB's ImportTable
    // reads every object under data/, manifest or not).
    std::set<std::string> recorded;
    for (const SegmentFiles& f : files) {
      for (const storage::DataFileEntry& entry : f.done) recorded.insert(entry.data_file_s3_key);
    }
    aws::Result<std::vector<storage::ObjectInfo>> listed = store.List(options.data_folder);
    if (!listed.ok()) return std::move(listed).error();
    // The files the checkpoint records as finished are not written again: one that is gone
    // would be listed by the manifest and missing. Refused before anything is deleted.
    std::set<std::string> present;
    for (const storage::ObjectInfo& object : *listed) present.insert(object.key);
    size_t missing = 0;
    std::string example;
    for (const std::string& key : recorded) {
      if (present.contains(key)) continue;
      if (missing++ == 0) example = key;
    }
    if (missing > 0) {
      aws::Error error = aws::Error::Make(
          aws::ErrorKind::kInvalidInput,
          fmt::format("{} of the {} data files that checkpoint {} records as finished {} missing "
                      "from {} (e.g. {}): restore them and run again with --resume, or start "
                      "over: delete the export's folder {} and {}, and export without --resume",
                      missing, recorded.size(), options.checkpoint_path,
                      missing == 1 ? "is" : "are", store.Describe(options.data_folder),
                      store.Describe(example), options.checkpoint_target, options.checkpoint_path));
      error.code = std::string(kMissingDataFiles);
      return error;
    }
    for (const storage::ObjectInfo& object : *listed) {
      if (recorded.contains(object.key)) continue;
      if (aws::Status s = store.Delete(object.key); !s.ok()) return std::move(s).error();
      ++stale_files_deleted;
    }
  }

  // Guards every segment's `done` and `position`, the checkpoint file and last_save.
  std::mutex mu;
  aws::Clock::SteadyTime last_save = options.clock->SteadyNow();
  auto snapshot = [&] {  // with mu held
    Checkpoint c;
    c.operation = kOperation;
    c.source = options.checkpoint_source;
    c.source_identity = options.checkpoint_source_identity;
    c.target = options.checkpoint_target;
    c.s3_sse_algorithm = options.checkpoint_s3_sse_algorithm;
    c.s3_sse_kms_key_id = options.checkpoint_s3_sse_kms_key_id;
    c.total_segments = segments;
    for (const SegmentFiles& f : files) {
      SegmentPosition p = f.position;
      p.state = FilesState(f);
      c.segments.push_back(std::move(p));
    }
    return c;
  };
  auto save = [&](bool force) -> aws::Status {  // with mu held
    if (options.checkpoint_path.empty()) return aws::Status::Ok();
    const aws::Clock::SteadyTime now = options.clock->SteadyNow();
    if (!force && now - last_save < options.checkpoint_interval) return aws::Status::Ok();
    last_save = now;
    return SaveCheckpoint(options.checkpoint_path, snapshot());
  };
  // Moves the segment's position to the end of `read_to` (or to its end), saving when due.
  // `entry` is of the file just finished, of `compressed` and `uncompressed` bytes.
  auto record = [&](SegmentFiles& f, std::optional<storage::DataFileEntry> entry,
                    uint64_t compressed, uint64_t uncompressed, bool segment_done) -> aws::Status {
    std::lock_guard lock(mu);
    if (entry) {
      f.position.items_acknowledged += static_cast<uint64_t>(entry->item_count);
      f.done.push_back(std::move(*entry));
      f.done_compressed_bytes += compressed;
      f.done_uncompressed_bytes += uncompressed;
    }
    f.position.done = segment_done;
    f.position.exclusive_start_key = segment_done ? std::nullopt : f.read_to;
    return save(false);
  };
  auto open = [&](SegmentFiles& f) -> aws::Status {
    aws::Result<std::unique_ptr<storage::DataFileWriter>> writer = storage::DataFileWriter::Open(
        store, options.data_folder + options.new_file_name(), options.gzip_level);
    if (!writer.ok()) return std::move(writer).error();
    f.current = std::move(*writer);
    f.counted_compressed = f.counted_uncompressed = 0;
    return aws::Status::Ok();
  };
  auto close = [&](SegmentFiles& f, bool segment_done) -> aws::Status {
    if (f.current == nullptr) return record(f, std::nullopt, 0, 0, segment_done);
    const uint64_t before = f.current->compressed_bytes();
    aws::Result<storage::DataFileEntry> entry = f.current->Finish();
    if (!entry.ok()) return std::move(entry).error();
    const uint64_t compressed = f.current->compressed_bytes();
    const uint64_t uncompressed = f.current->uncompressed_bytes();
    counters->compressed_bytes.fetch_add(compressed - before, std::memory_order_relaxed);
    counters->files.fetch_add(1, std::memory_order_relaxed);
    f.current.reset();
    return record(f, std::move(*entry), compressed, uncompressed, segment_done);
  };
  auto add_page = [&](SegmentFiles& f, const dynamodb::ItemPage& page) -> aws::Status {
    for (std::string_view item : page.items) {
      if (f.current == nullptr) {
        if (aws::Status s = open(f); !s.ok()) return s;
      }
      const uint64_t before = f.current->compressed_bytes();
      const uint64_t raw_before = f.current->uncompressed_bytes();
      if (aws::Status s = f.current->AddItem(item); !s.ok()) return s;
      const uint64_t compressed = f.current->compressed_bytes() - before;
      const uint64_t uncompressed = f.current->uncompressed_bytes() - raw_before;
      counters->compressed_bytes.fetch_add(compressed, std::memory_order_relaxed);
      counters->uncompressed_bytes.fetch_add(uncompressed, std::memory_order_relaxed);
      f.counted_compressed += compressed;
      f.counted_uncompressed += uncompressed;
    }
    if (!page.last_evaluated_key) {
      // The segment's last page. A segment that wrote nothing still leaves a file: AWS writes
      // an empty gzip for an empty partition.
      if (f.current == nullptr && f.done.empty()) {
        if (aws::Status s = open(f); !s.ok()) return s;
      }
      return close(f, true);
    }
    f.read_to = page.last_evaluated_key;
    if (f.current != nullptr && f.current->uncompressed_bytes() >= options.max_file_bytes) {
      return close(f, false);
    }
    return aws::Status::Ok();
  };

  // Saved before anything is read: a run killed before it finishes its first file (which may
  // take long with large files) has left _started and unfinished uploads, and is resumed from
  // this, every segment from its start.
  {
    std::lock_guard lock(mu);
    if (aws::Status s = save(true); !s.ok()) return std::move(s).error();
  }
  for (const auto& [key, bytes] : options.start_objects) {
    if (aws::Status s = store.Put(key, bytes); !s.ok()) {
      // A fresh run its location refuses has exported nothing: its checkpoint would only stand
      // in the way of the same command run again.
      if (!options.resume && !options.checkpoint_path.empty()) {
        std::error_code ignored;
        std::filesystem::remove(options.checkpoint_path, ignored);
      }
      return std::move(s).error();
    }
  }
  if (options.on_start) options.on_start();

  FirstError first;
  auto stopping = [&] { return first.failed() || (stop != nullptr && stop->load()); };
  // Whether `s` failed only because a stop ended a request's retries (an upload, typically).
  // The segment's file being written is then dropped, its upload aborted: the checkpoint never
  // named it, so a resume reads its items again.
  auto cut_short = [&](const aws::Status& s, SegmentFiles& f) {
    if (s.error().kind != aws::ErrorKind::kCancelled || stop == nullptr || !stop->load()) {
      return false;
    }
    counters->compressed_bytes.fetch_sub(f.counted_compressed, std::memory_order_relaxed);
    counters->uncompressed_bytes.fetch_sub(f.counted_uncompressed, std::memory_order_relaxed);
    f.counted_compressed = f.counted_uncompressed = 0;
    f.current.reset();
    return true;
  };
  ForEachSegment(todo, std::max(1, std::min(segments, options.readers)), [&](int segment) {
    SegmentFiles& f = files[static_cast<size_t>(segment)];
    dynamodb::ScanRequest request;
    request.table_name = options.table_name;
    request.segment = segment;
    request.total_segments = segments;
    request.limit = options.page_size;
    request.consistent_read = options.consistent_read;
    request.return_consumed_capacity = options.return_consumed_capacity;
    request.exclusive_start_key = f.position.exclusive_start_key;
    aws::Status s = ScanSegment(client, std::move(request), limiter, stopping, &counters->scan,
                                [&](const dynamodb::ItemPage& page) { return add_page(f, page); });
    if (!s.ok() && !cut_short(s, f)) first.Record(std::move(s).error());
    return !stopping();
  });
  std::optional<aws::Error>& first_error = first.error();
  if (!first_error && stop != nullptr && stop->load()) {
    // Finish the files being written: what they hold was read, and need not be read again.
    for (int segment : todo) {
      SegmentFiles& f = files[static_cast<size_t>(segment)];
      if (f.current == nullptr) continue;
      if (aws::Status s = close(f, false); !s.ok() && !cut_short(s, f) && !first_error) {
        first_error = std::move(s).error();
      }
    }
  }
  std::lock_guard lock(mu);
  // Saved on a failure too: what was finished before it is kept for the resume, and the
  // failure is what to report.
  aws::Status saved = save(true);
  if (first_error) return std::move(*first_error);
  if (!saved.ok()) return std::move(saved).error();
  TableExportResult result;
  result.stale_files_deleted = stale_files_deleted;
  result.incomplete_uploads_aborted = incomplete_uploads_aborted;
  result.items_from_earlier_runs = items_from_earlier_runs;
  for (const SegmentFiles& f : files) {
    result.files.insert(result.files.end(), f.done.begin(), f.done.end());
    for (const storage::DataFileEntry& entry : f.done) result.item_count += entry.item_count;
    result.compressed_bytes += f.done_compressed_bytes;
    result.uncompressed_bytes += f.done_uncompressed_bytes;
  }
  result.checkpoint = snapshot();
  result.interrupted = !result.checkpoint.complete();
  return result;
}

}  // namespace ddbm::pipeline
