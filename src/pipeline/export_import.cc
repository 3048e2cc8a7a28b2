#include "pipeline/export_import.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <memory>
#include <mutex>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "dynamodb/item.h"
#include "dynamodb/item_check.h"
#include "dynamodb/item_compare.h"
#include "pipeline/key_digest.h"
#include "pipeline/write_pool.h"
#include "storage/data_file_reader.h"
#include "storage/export_line.h"

namespace ddbm::pipeline {
namespace {

aws::Error BadLine(const std::string& file, int64_t line, const std::string& what) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                          fmt::format("data file {} line {}: {}; nothing of this file was "
                                      "imported",
                                      file, line, what));
}

// The item's key in the target's schema (members in key-schema order), after checking the item
// is one DynamoDB would accept. `item` needs no padding: it is copied into a padded buffer.
aws::Result<std::string> CheckedKey(std::string_view item,
                                    const std::vector<dynamodb::KeySchemaElement>& key_schema) {
  const simdjson::padded_string padded(item);
  const std::string_view view(padded.data(), padded.size());
  aws::Result<std::string> key = dynamodb::ExtractKey(view, key_schema);
  if (!key.ok()) return std::move(key).error();
  if (std::optional<std::string> reason = dynamodb::InvalidItemReason(view)) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput, *reason);
  }
  return key;
}

// The digest that tells keys apart, of their canonical bytes: one number spelt two ways
// ({"N":"1E+3"} and {"N":"1000"}), or binary in two base64 spellings of its bytes ({"B":"AQ=="}
// and {"B":"AR=="}), is one key, as it is to the table.
aws::Result<KeyDigest> DigestOfKey(std::string_view key,
                                   const std::vector<dynamodb::KeySchemaElement>& key_schema) {
  aws::Result<std::string> canonical = dynamodb::CanonicalKey(key, key_schema);
  if (!canonical.ok()) return std::move(canonical).error();
  return DigestKey(*canonical);
}

WritePoolOptions PoolOptions(const ImportContext& context, const ImportOptions& options,
                             ImportCounters* counters) {
  WritePoolOptions pool;
  pool.target = context.target;
  pool.table = options.table;
  pool.policy = context.write_policy;
  pool.limiter = context.write_limiter;
  pool.dead_letters = {context.dead_letters, &counters->items_dead_lettered};
  pool.counters = &counters->writes;
  pool.stop = context.stop;
  pool.writers = options.writers;
  pool.queue_bytes = options.queue_bytes;
  pool.consumed_capacity = options.consumed_capacity;
  return pool;
}

bool Stopped(const ImportContext& context) {
  return context.stop != nullptr && context.stop->load();
}

// Ends a pass over a data file early, when the run is stopping: no more of the file is read.
aws::Error CutShort() { return aws::Error::Make(aws::ErrorKind::kCancelled, "stopped"); }

// Whether `status` failed only because the run is stopping (`halted`): a pass cut short, or a
// request whose retries the stop ended.
bool CutShortBy(const aws::Status& status, bool halted) {
  return !status.ok() && status.error().kind == aws::ErrorKind::kCancelled && halted;
}

// A full export's line as AWS and ddbmigrate write it: exactly {"Item":<the item>}.
constexpr std::string_view kItemPrefix = R"({"Item":)";

bool IsPlainItemLine(std::string_view line, std::string_view item) {
  return item.data() == line.data() + kItemPrefix.size() &&
         kItemPrefix.size() + item.size() + 1 == line.size();
}

struct CheckedFile {
  int64_t lines = 0;
  bool plain = true;  // every line is a plain item line: the item is found without parsing
};

using KeyDigests = std::unordered_set<KeyDigest, KeyDigestHash>;

// The keys of a full export's items seen so far, by digest: two items with one key in the
// target's schema would overwrite each other there. Shared by the files read at once.
struct SeenKeys {
  std::mutex mu;
  KeyDigests digests;        // guarded by mu
  bool across_files = true;  // guarded by mu; false once max_keys_across_files were reached
};

// Checks every line of a full export's data file, unless `halted` tells it to stop. With
// `seen`, also that no key repeats one of an earlier line, and adds the file's keys to it.
aws::Result<CheckedFile> CheckFullFile(storage::DataFileReader& reader, const std::string& name,
                                       const ImportOptions& options, SeenKeys* seen,
                                       const std::function<bool()>& halted) {
  CheckedFile file;
  std::vector<KeyDigest> block_keys;  // of the block's lines, in order
  // Decided when the file starts: a file compares its keys with every file's for as long as it
  // is read (the shared set may exceed the limit by the files being read at the turn), or
  // with its own only.
  bool across_files = false;
  if (seen != nullptr) {
    std::lock_guard lock(seen->mu);
    across_files = seen->across_files;
  }
  KeyDigests file_keys;  // when not across files
  aws::Status s = reader.ForEachLineBlock([&](storage::LineBlock block) -> aws::Status {
    if (halted()) return CutShort();
    block_keys.clear();
    for (const storage::Line& line : block.lines) {
      ++file.lines;
      aws::Result<std::string_view> item = storage::ParseFullExportLine(line.text);
      if (!item.ok()) return BadLine(name, line.number, item.error().message);
      aws::Result<std::string> key = CheckedKey(*item, options.key_schema);
      if (!key.ok()) return BadLine(name, line.number, key.error().message);
      file.plain = file.plain && IsPlainItemLine(line.text, *item);
      if (seen == nullptr) continue;
      aws::Result<KeyDigest> digest = DigestOfKey(*key, options.key_schema);
      if (!digest.ok()) return BadLine(name, line.number, digest.error().message);
      block_keys.push_back(*digest);
    }
    if (seen == nullptr) return aws::Status::Ok();
    std::unique_lock lock(seen->mu, std::defer_lock);
    KeyDigests* keys = &file_keys;
    if (across_files) {
      lock.lock();
      keys = &seen->digests;
      if (keys->size() + block_keys.size() > options.max_keys_across_files) {
        seen->across_files = false;  // for the files started from now on
      }
    }
    for (size_t i = 0; i < block_keys.size(); ++i) {
      if (keys->insert(block_keys[i]).second) continue;
      const storage::Line& line = block.lines[i];
      // Named by its key (checked above), not by the item, which may be large.
      aws::Result<std::string_view> item = storage::ParseFullExportLine(line.text);
      aws::Result<std::string> key = CheckedKey(*item, options.key_schema);
      std::string names;
      for (const dynamodb::KeySchemaElement& k : options.key_schema) {
        names += (names.empty() ? "" : ", ") + k.attribute_name;
      }
      return BadLine(name, line.number,
                     fmt::format("its key in table {}, {}, is that of another item of the "
                                 "export: the table's key schema ({}) does not fit the "
                                 "export's items, one would overwrite the other; import into a "
                                 "table keyed like the exported one",
                                 options.table, key.ok() ? *key : "?", names));
    }
    return aws::Status::Ok();
  });
  if (!s.ok()) return std::move(s).error();
  return file;
}

}  // namespace

aws::Result<bool> ImportFullExport(const ImportContext& context,
                                   const storage::ExportManifest& manifest,
                                   const ImportOptions& options, const std::set<std::string>& skip,
                                   const FileDoneCallback& on_file_done, ImportCounters* counters) {
  std::vector<const storage::DataFileEntry*> todo;
  for (const storage::DataFileEntry& entry : manifest.files) {
    if (!skip.contains(entry.data_file_s3_key)) todo.push_back(&entry);
  }
  WritePool pool(PoolOptions(context, options, counters));
  SeenKeys seen;
  std::mutex done_mu;  // one on_file_done call at a time
  std::atomic<size_t> next{0};
  const std::function<bool()> halted = [&] { return pool.failed() || Stopped(context); };

  auto import_file = [&](const storage::DataFileEntry& entry) -> aws::Status {
    const std::string name = context.store->Describe(entry.data_file_s3_key);
    aws::Result<storage::DataFileReader> reader =
        storage::DataFileReader::Open(context.store, entry, options.range_bytes);
    if (!reader.ok()) return std::move(reader).error();
    counters->compressed_bytes.fetch_add(static_cast<uint64_t>(reader->size()),
                                         std::memory_order_relaxed);
    // The first pass checks, the second writes: a file too large to hold is read twice.
    aws::Result<CheckedFile> checked = CheckFullFile(
        *reader, name, options, options.check_duplicate_keys ? &seen : nullptr, halted);
    if (!checked.ok()) return std::move(checked).error();
    if (checked->lines != entry.item_count) {
      return aws::Error::Make(
          aws::ErrorKind::kInvalidInput,
          fmt::format("data file {} holds {} line{} but its manifest says {} item{}; the "
                      "export is incomplete or corrupt, nothing of this file was imported",
                      name, checked->lines, checked->lines == 1 ? "" : "s", entry.item_count,
                      entry.item_count == 1 ? "" : "s"));
    }
    counters->items_read.fetch_add(static_cast<uint64_t>(checked->lines),
                                   std::memory_order_relaxed);
    const bool plain = checked->plain;

    // The reader holds one token until every batch is queued; each batch holds one until it is
    // acknowledged. Whoever lets go of the last reports the file.
    auto pending = std::make_shared<std::atomic<int64_t>>(1);
    const std::string key = entry.data_file_s3_key;
    auto file_dead = std::make_shared<std::atomic<uint64_t>>(0);  // of acknowledged batches
    auto release = [&, pending, key, file_dead] {
      if (pending->fetch_sub(1) != 1) return;
      std::lock_guard lock(done_mu);
      if (aws::Status s = on_file_done(key, file_dead->load()); !s.ok()) {
        pool.Fail(std::move(s).error());
        return;
      }
      counters->files_done.fetch_add(1, std::memory_order_relaxed);
    };
    aws::Status s = reader->ForEachLineBlock([&](storage::LineBlock block) -> aws::Status {
      std::vector<dynamodb::WriteRequest> requests;
      requests.reserve(block.lines.size());
      for (const auto& line : block.lines) {
        const std::string_view text = line.text;
        if (plain) {  // checked above: the item is the line between prefix and brace
          requests.push_back(
              {dynamodb::WriteRequest::Kind::kPut,
               text.substr(kItemPrefix.size(), text.size() - kItemPrefix.size() - 1)});
          continue;
        }
        aws::Result<std::string_view> item = storage::ParseFullExportLine(text);
        if (!item.ok()) return BadLine(name, line.number, item.error().message);
        requests.push_back({dynamodb::WriteRequest::Kind::kPut, *item});
      }
      std::vector<WriteBatch> batches = CutIntoBatches(std::move(requests), block.bytes);
      const size_t weight = block.bytes->size() / std::max<size_t>(1, batches.size()) + 1;
      for (WriteBatch& batch : batches) {
        if (halted()) return CutShort();
        pending->fetch_add(1);
        auto acknowledged = [release, file_dead](uint64_t dead) {
          file_dead->fetch_add(dead);
          release();
        };
        if (!pool.Push(std::move(batch), weight, std::move(acknowledged))) return CutShort();
      }
      return aws::Status::Ok();
    });
    // The reader's token is let go only when every item of the file was queued: a file cut
    // short by a stop or an error is never reported as imported, and a resume reads it again.
    if (s.ok()) release();
    return s;
  };

  // A bad file stops the readers from taking more files, but what was queued for good files
  // is still written (and reported), so that a resume starts after them.
  std::mutex input_mu;
  std::optional<aws::Error> input_error;  // guarded by input_mu
  std::atomic<bool> input_failed{false};
  std::vector<std::thread> readers;
  const size_t reader_count =
      std::min(todo.size(), static_cast<size_t>(std::max(1, options.file_readers)));
  for (size_t r = 0; r < reader_count; ++r) {
    readers.emplace_back([&] {
      for (size_t i = next++; i < todo.size(); i = next++) {
        if (input_failed.load() || halted()) return;
        aws::Status s = import_file(*todo[i]);
        if (CutShortBy(s, halted())) return;
        if (!s.ok()) {
          std::lock_guard lock(input_mu);
          if (!input_error) input_error = std::move(s).error();
          input_failed.store(true);
          return;
        }
      }
    });
  }
  for (std::thread& t : readers) t.join();
  pool.Close();
  if (std::optional<aws::Error> error = pool.TakeError()) return std::move(*error);
  if (input_error) return std::move(*input_error);
  return Stopped(context);
}

aws::Result<bool> ApplyIncrementalExport(const ImportContext& context,
                                         const storage::ExportManifest& manifest,
                                         const ImportOptions& options, ImportCounters* counters) {
  // Per key: where its last change is, and whether it is a put. A key is known by its digest,
  // so that what is held per key changed is a few dozen bytes whatever the key's size. Images
  // are not held either: the second pass reads them again from the files.
  // A change's place: the later of two changes has the later (timestamp, file, line).
  struct Last {
    int64_t micros = 0;
    int64_t line = 0;
    uint32_t file = 0;
    bool put = false;
    auto Order() const { return std::tie(micros, file, line); }
  };
  std::unordered_map<KeyDigest, Last, KeyDigestHash> last;

  // The change a line holds, and its key. `check_image`: also check the new image (the first
  // pass does; the second reads the same bytes).
  struct Change {
    std::string key;
    KeyDigest digest;  // of the canonical key
    storage::IncrementalChange parsed;
  };
  auto parse = [&](const std::string& name, const storage::Line& line,
                   bool check_image) -> aws::Result<Change> {
    aws::Result<storage::IncrementalChange> change = storage::ParseIncrementalLine(line.text);
    if (!change.ok()) return BadLine(name, line.number, change.error().message);
    // Keys holds the key alone: an attribute more is a key of another schema, whose changes to
    // different items would be taken for changes to one.
    const simdjson::padded_string padded_keys(change->keys);
    aws::Result<std::string> key = dynamodb::ExtractExactKey(
        std::string_view(padded_keys.data(), padded_keys.size()), options.key_schema);
    if (!key.ok()) return BadLine(name, line.number, "Keys: " + key.error().message);
    aws::Result<KeyDigest> digest = DigestOfKey(*key, options.key_schema);
    if (!digest.ok()) return BadLine(name, line.number, "Keys: " + digest.error().message);
    if (check_image && change->new_image) {
      aws::Result<std::string> image_key = CheckedKey(*change->new_image, options.key_schema);
      if (!image_key.ok()) {
        return BadLine(name, line.number, "NewImage: " + image_key.error().message);
      }
      // Else the put would land on another key than the one whose last change it is.
      aws::Result<KeyDigest> image_digest = DigestOfKey(*image_key, options.key_schema);
      if (!image_digest.ok() || *image_digest != *digest) {
        return BadLine(
            name, line.number,
            fmt::format("the key of its NewImage, {}, is not its Keys, {}", *image_key, *key));
      }
    }
    return Change{std::move(*key), *digest, *change};
  };

  // First pass: every line of every file is checked, and the last change of each key found.
  // What each file read is kept (a few bytes per range) so that the second pass reads the same.
  std::vector<std::vector<storage::DataFileReader::RangeDigest>> read(manifest.files.size());
  for (size_t file = 0; file < manifest.files.size(); ++file) {
    if (Stopped(context)) return true;
    const storage::DataFileEntry& entry = manifest.files[file];
    const std::string name = context.store->Describe(entry.data_file_s3_key);
    aws::Result<storage::DataFileReader> reader =
        storage::DataFileReader::Open(context.store, entry, options.range_bytes);
    if (!reader.ok()) {
      if (CutShortBy(aws::Status(reader.error()), Stopped(context))) return true;
      return std::move(reader).error();
    }
    counters->compressed_bytes.fetch_add(static_cast<uint64_t>(reader->size()),
                                         std::memory_order_relaxed);
    int64_t lines = 0;
    aws::Status s = reader->ForEachLineBlock([&](storage::LineBlock block) -> aws::Status {
      if (Stopped(context)) return CutShort();
      for (const storage::Line& line : block.lines) {
        ++lines;
        aws::Result<Change> change = parse(name, line, true);
        if (!change.ok()) return std::move(change).error();
        const Last here{change->parsed.write_timestamp_micros, line.number,
                        static_cast<uint32_t>(file), change->parsed.new_image.has_value()};
        auto [it, inserted] = last.try_emplace(change->digest, here);
        if (!inserted && it->second.Order() < here.Order()) it->second = here;
      }
      return aws::Status::Ok();
    });
    if (CutShortBy(s, Stopped(context))) return true;
    if (!s.ok()) return std::move(s).error();
    if (lines != entry.item_count) {
      return aws::Error::Make(
          aws::ErrorKind::kInvalidInput,
          fmt::format("data file {} holds {} line{} but its manifest says {}; the export is "
                      "incomplete or corrupt, nothing of export {} was applied",
                      name, lines, lines == 1 ? "" : "s", entry.item_count, manifest.export_id));
    }
    read[file] = reader->checked();
    counters->items_read.fetch_add(static_cast<uint64_t>(lines), std::memory_order_relaxed);
  }

  // Second pass: the files again, in order, writing each key's last change where it is.
  WritePool pool(PoolOptions(context, options, counters));
  auto halted = [&] { return pool.failed() || Stopped(context); };
  aws::Status s = aws::Status::Ok();
  for (size_t file = 0; file < manifest.files.size() && s.ok(); ++file) {
    if (halted()) break;
    const storage::DataFileEntry& entry = manifest.files[file];
    const std::string name = context.store->Describe(entry.data_file_s3_key);
    aws::Result<storage::DataFileReader> reader = storage::DataFileReader::Open(
        context.store, entry, options.range_bytes, std::move(read[file]));
    if (!reader.ok()) {
      s = std::move(reader).error();
      break;
    }
    s = reader->ForEachLineBlock([&](storage::LineBlock block) -> aws::Status {
      // The block's last changes are copied into a buffer that their batches keep: a put's
      // image, a delete's key. The block, which may hold many lines and few last changes, is
      // not kept, so the queue's bound on what batches hold bounds memory.
      auto held = std::make_shared<std::string>();
      std::vector<std::pair<dynamodb::WriteRequest::Kind, size_t>> ends;  // where each one ends
      for (const storage::Line& line : block.lines) {
        aws::Result<Change> change = parse(name, line, false);
        if (!change.ok()) return std::move(change).error();
        const Last here{change->parsed.write_timestamp_micros, line.number,
                        static_cast<uint32_t>(file), false};
        auto it = last.find(change->digest);
        if (it == last.end() || it->second.Order() != here.Order()) continue;  // not the last
        if (!it->second.put) {
          held->append(change->key);
          ends.emplace_back(dynamodb::WriteRequest::Kind::kDelete, held->size());
          continue;
        }
        if (!change->parsed.new_image) {  // the bytes are those of the first read
          return aws::Error::Make(aws::ErrorKind::kInternal,
                                  fmt::format("data file {} line {} lost its NewImage between "
                                              "two reads of the same bytes",
                                              name, line.number));
        }
        held->append(*change->parsed.new_image);
        ends.emplace_back(dynamodb::WriteRequest::Kind::kPut, held->size());
      }
      if (ends.empty()) return aws::Status::Ok();
      held->shrink_to_fit();  // the weight below is what it holds; no view into it exists yet
      std::vector<dynamodb::WriteRequest> requests;
      requests.reserve(ends.size());
      size_t begin = 0;
      for (const auto& [kind, end] : ends) {
        requests.push_back({kind, std::string_view(*held).substr(begin, end - begin)});
        begin = end;
      }
      std::vector<WriteBatch> batches = CutIntoBatches(std::move(requests), held);
      const size_t weight = held->size() / batches.size() + 1;
      for (WriteBatch& batch : batches) {
        if (halted()) return CutShort();
        uint64_t deletes = 0;
        for (const dynamodb::WriteRequest& r : batch.requests) {
          if (r.kind == dynamodb::WriteRequest::Kind::kDelete) ++deletes;
        }
        // Counted once acknowledged: a stop drops queued batches unsent.
        auto acknowledged = [counters, deletes](uint64_t) {
          counters->deletes.fetch_add(deletes, std::memory_order_relaxed);
        };
        if (!pool.Push(std::move(batch), weight, std::move(acknowledged))) return CutShort();
      }
      return aws::Status::Ok();
    });
  }
  pool.Close();
  if (std::optional<aws::Error> error = pool.TakeError()) return std::move(*error);
  if (CutShortBy(s, halted())) return true;
  if (!s.ok()) return std::move(s).error();
  if (Stopped(context)) return true;
  counters->files_done.fetch_add(manifest.files.size(), std::memory_order_relaxed);
  return false;
}

}  // namespace ddbm::pipeline
