#include "commands/verify_runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "aws/json_writer.h"
#include "commands/output.h"
#include "commands/scan_flags.h"
#include "commands/transfer_runner.h"
#include "dynamodb/item.h"
#include "pipeline/batch_getter.h"
#include "pipeline/progress.h"
#include "pipeline/rate_limiter.h"
#include "pipeline/table_digest.h"

namespace ddbm::commands {
namespace {

constexpr size_t kShownOnTerminal = 10;
constexpr int kSampleSegments = 1000;

struct Difference {
  std::string kind;  // "MissingInTarget", "ExtraInTarget", "Changed"
  std::string raw_key;
  std::vector<std::string> paths;  // Changed only; empty when not looked up
  // Changed only: what reading the item back found when it showed no difference (the item
  // changed while it was verified); empty otherwise.
  std::string read_back;
};

// Writes differences as JSON lines and shows the first few on stderr.
class DifferenceSink {
 public:
  explicit DifferenceSink(const std::string& path) : path_(path) {}

  aws::Status Open() {
    if (path_.empty()) return aws::Status::Ok();
    file_.open(path_, std::ios::out | std::ios::trunc);
    if (!file_) {
      return aws::Error::Make(
          aws::ErrorKind::kInvalidInput,
          "cannot write the report file " + path_ + ": check the directory exists and is writable");
    }
    return aws::Status::Ok();
  }

  aws::Status Add(const Difference& d) {
    std::string line;
    aws::JsonWriter w(&line);
    w.BeginObject().Member("Difference", d.kind).MemberRaw("Key", d.raw_key);
    if (!d.paths.empty()) {
      w.Key("Paths").BeginArray();
      for (const std::string& p : d.paths) w.String(p);
      w.EndArray();
    }
    if (!d.read_back.empty()) w.Member("ReadBack", d.read_back);
    w.EndObject();
    if (file_.is_open()) {
      file_ << line << '\n';
      if (!file_)
        return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                                "writing the report file " + path_ + " failed: check free space");
    }
    if (shown_++ < kShownOnTerminal) std::cerr << "difference: " << line << '\n';
    return aws::Status::Ok();
  }

  aws::Status Close() {
    if (!file_.is_open()) return aws::Status::Ok();
    file_.close();
    if (!file_)
      return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                              "writing the report file " + path_ + " failed: check free space");
    return aws::Status::Ok();
  }

 private:
  std::string path_;
  std::ofstream file_;
  size_t shown_ = 0;
};

pipeline::DigestOptions DigestOptionsFor(const dynamodb::TableDescription& table,
                                         const VerifySettings& settings, size_t buckets,
                                         bool consumed_capacity) {
  pipeline::DigestOptions o;
  o.table = table.table_name;
  o.key_schema = table.key_schema;
  o.ignored = settings.ignored;
  o.segments = settings.segments;
  o.readers = settings.readers;
  o.page_size = settings.page_size;
  o.consistent_read = settings.consistent_read;
  o.return_consumed_capacity = consumed_capacity;
  o.buckets = buckets;
  return o;
}

// The two tables of a comparison, for the errors that must say which one failed.
struct Sides {
  const Connection& source;
  const Connection& target;
  const dynamodb::TableDescription& source_table;
  const dynamodb::TableDescription& target_table;

  aws::Error SourceError(aws::Error error) const {
    return DescribeError(std::move(error), "source table", source_table.table_name);
  }
  aws::Error TargetError(aws::Error error) const {
    return DescribeError(std::move(error), "target table", target_table.table_name);
  }
};

// Runs `source_work` and `target_work` at once, with progress on stderr; each side's RCU are
// shown only when its reads asked for them (`source_asked`, `target_asked`). Each work gets a
// ScanStop that ends it once `stop` (Ctrl-C) reads true or the other side has failed: a failed
// side makes the comparison impossible, and the other would read its table to the end for
// nothing. Returns the failed side's error (the source's when both failed), a Scan's named with
// its table.
template <class A, class B>
aws::Status RunBothWithProgress(const Sides& sides, pipeline::ScanCounters* source_counters,
                                pipeline::ScanCounters* target_counters, uint64_t expected,
                                bool source_asked, bool target_asked, const std::atomic<bool>* stop,
                                A source_work, B target_work) {
  pipeline::ProgressReporter reporter(
      [&] {
        pipeline::ProgressSample s;
        s.items_read = source_counters->items.load();
        s.items_written = target_counters->items.load();
        s.read_capacity = source_counters->read_capacity.load();
        s.write_capacity = target_counters->read_capacity.load();
        s.throttles = Throttles(sides.source, sides.target);
        s.retries = Retries(sides.source, sides.target);
        s.expected_items = expected;
        s.read_label = "source";
        s.written_label = "target";
        s.read_units = "source RCU";
        s.written_units = "target RCU";
        s.read_capacity_asked = source_asked;
        s.write_capacity_asked = target_asked;
        return s;
      },
      stderr, ::isatty(STDERR_FILENO) == 1, aws::Clock::Real());
  std::atomic<bool> side_failed{false};
  const pipeline::ScanStop stopping(stop, &side_failed);
  aws::Status source_status;
  aws::Status target_status;
  reporter.Start();
  std::thread other([&] {
    target_status = target_work(stopping);
    if (!target_status.ok()) side_failed.store(true);
  });
  source_status = source_work(stopping);
  if (!source_status.ok()) side_failed.store(true);
  other.join();
  reporter.Stop();
  // Each side's Scans read its own table; other errors (a lookup of the sample) are named
  // where they happen.
  if (!source_status.ok()) {
    aws::Error error = std::move(source_status).error();
    return error.operation == "Scan" ? sides.SourceError(std::move(error)) : error;
  }
  if (!target_status.ok()) {
    aws::Error error = std::move(target_status).error();
    return error.operation == "Scan" ? sides.TargetError(std::move(error)) : error;
  }
  return aws::Status::Ok();
}

// Stores `result`'s value in `*out` and returns its status, for the works of RunBothWithProgress.
template <class T>
aws::Status Keep(aws::Result<T> result, std::optional<T>* out) {
  if (!result.ok()) return std::move(result).error();
  *out = std::move(*result);
  return aws::Status::Ok();
}

// What looking up the changed items left undone.
struct DetailOutcome {
  bool interrupted = false;              // stopped by `stop`
  std::optional<aws::Error> failure;     // the lookup that failed, named with its table
  uint64_t left_without_paths = 0;       // changed items not looked up because of either
  uint64_t changed_while_verifying = 0;  // read back equal, or absent from a side
  uint64_t beyond_limit = 0;             // changed items past max_detailed, never looked up
};

// Reads the first max_detailed changed items back from both sides (pipeline::GetItemPairs:
// batches of 100 keys, --readers batches at once, with progress on stderr) and names the
// differing attributes, until `stop` reads true or a lookup fails; the changed items left keep no
// paths, and the outcome says why, so that the differences already found are still reported.
// Each table's lookups keep to its limiter (null: unlimited).
DetailOutcome DetailChanges(const Sides& sides, const VerifySettings& settings,
                            pipeline::RateLimiter* source_limiter,
                            pipeline::RateLimiter* target_limiter, const std::atomic<bool>* stop,
                            std::vector<Difference>* differences) {
  DetailOutcome outcome;
  std::vector<Difference*> changed;
  std::vector<std::string> keys;
  for (Difference& d : *differences) {
    if (d.kind != "Changed") continue;
    if (changed.size() >= settings.max_detailed) {
      ++outcome.beyond_limit;
      continue;
    }
    changed.push_back(&d);
    keys.push_back(d.raw_key);
  }
  if (keys.empty()) return outcome;
  if (stop != nullptr && stop->load()) {
    outcome.interrupted = true;
    outcome.left_without_paths = keys.size();
    return outcome;
  }
  std::cerr << fmt::format("reading back {} to name the attributes that differ{}\n",
                           Counted(keys.size(), "changed item"),
                           outcome.beyond_limit == 0
                               ? ""
                               : fmt::format(" (the first {}: the other {} are listed by key only)",
                                             pipeline::GroupThousands(keys.size()),
                                             pipeline::GroupThousands(outcome.beyond_limit)));
  const pipeline::PairSide source{&sides.source.dynamodb(), sides.source_table.table_name,
                                  &sides.source.dynamodb().service_client().retry_policy(),
                                  source_limiter};
  const pipeline::PairSide target{&sides.target.dynamodb(), sides.target_table.table_name,
                                  &sides.target.dynamodb().service_client().retry_policy(),
                                  target_limiter};
  pipeline::PairCounters counters;
  pipeline::ProgressReporter reporter(
      [&] {
        pipeline::ProgressSample s;
        s.items_read = counters.first.load();
        s.items_written = counters.second.load();
        s.throttles = Throttles(sides.source, sides.target);
        s.retries = Retries(sides.source, sides.target);
        s.expected_items = keys.size();
        s.read_label = "read back: source";
        s.written_label = "target";
        s.read_capacity_asked = false;
        s.write_capacity_asked = false;
        return s;
      },
      stderr, ::isatty(STDERR_FILENO) == 1, aws::Clock::Real());
  reporter.Start();
  pipeline::ItemPairs read =
      pipeline::GetItemPairs(source, target, sides.source_table.key_schema, keys,
                             settings.consistent_read, settings.readers, stop, &counters);
  reporter.Stop();
  if (read.failure) {
    outcome.failure = read.failure_in_second ? sides.TargetError(std::move(*read.failure))
                                             : sides.SourceError(std::move(*read.failure));
  } else if (read.stopped) {
    outcome.interrupted = true;
  }
  for (size_t i = 0; i < changed.size(); ++i) {
    Difference& d = *changed[i];
    if (!read.pairs[i]) {
      ++outcome.left_without_paths;
      continue;
    }
    const std::optional<std::string>& in_source = read.pairs[i]->first;
    const std::optional<std::string>& in_target = read.pairs[i]->second;
    if (!in_source || !in_target) {  // changed since the scan
      d.read_back = in_source ? "AbsentFromTarget" : in_target ? "AbsentFromSource" : "Absent";
      ++outcome.changed_while_verifying;
      continue;
    }
    aws::Result<std::vector<std::string>> paths =
        dynamodb::DiffItems(*in_source, *in_target, settings.ignored);
    if (paths.ok()) d.paths = std::move(*paths);
    if (paths.ok() && d.paths.empty()) {
      d.read_back = "Equal";
      ++outcome.changed_while_verifying;
    }
  }
  return outcome;
}

// Read units of one BatchGetItem of 100 items of the table's average size: the target's first
// guess when a sample looks its items up by key.
double LookupReadUnits(const dynamodb::TableDescription& table, bool consistent_read) {
  const double average = AverageItemBytes(table);
  if (average <= 0) return 0;
  const std::vector<size_t> sizes(100, static_cast<size_t>(average));
  return pipeline::EstimateItemReadUnits(sizes, 0, consistent_read);
}

// Compares a sample of the source's segments with the target, item by item (BatchGetItem under
// `target_limiter`). Counts every difference in `result` but keeps at most max_listed_keys of
// them in `differences`.
aws::Status VerifySample(const Sides& sides, const VerifySettings& settings,
                         pipeline::RateLimiter* source_limiter,
                         pipeline::RateLimiter* target_limiter, const std::atomic<bool>* stop,
                         VerifyResult* result, std::vector<Difference>* differences) {
  const dynamodb::TableDescription& source_table = sides.source_table;
  const dynamodb::TableDescription& target_table = sides.target_table;
  const int chosen_count = std::clamp(
      static_cast<int>(std::ceil(settings.sample * kSampleSegments)), 1, kSampleSegments);
  const std::vector<int> chosen =
      pipeline::SampleSegments(kSampleSegments, chosen_count, std::random_device{}());

  const aws::RetryPolicy& unprocessed_policy =
      sides.target.dynamodb().service_client().retry_policy();
  dynamodb::ScanRequest base;
  base.table_name = source_table.table_name;
  base.limit = settings.page_size;
  base.consistent_read = settings.consistent_read;
  base.return_consumed_capacity = settings.source_consumed_capacity;

  result->sampled = true;
  pipeline::ScanCounters source_counters;
  pipeline::ScanCounters target_counters;
  std::mutex mu;                                       // guards differences and result's counts
  auto add = [&](const char* kind, std::string key) {  // with mu held
    (std::string_view(kind) == "Changed" ? result->changed : result->missing_in_target)++;
    if (differences->size() < settings.max_listed_keys) {
      differences->push_back({kind, std::move(key), {}});
    } else {
      ++result->unlisted_differences;
    }
  };
  const uint64_t expected = static_cast<uint64_t>(static_cast<double>(source_table.item_count) *
                                                  chosen_count / kSampleSegments);
  aws::Status status = RunBothWithProgress(
      sides, &source_counters, &target_counters, expected, settings.source_consumed_capacity,
      false,  // the lookups by key are not counted
      stop,
      [&](const pipeline::ScanStop& stopping) -> aws::Status {
        return pipeline::ParallelScanSegments(
            sides.source.dynamodb(), base, kSampleSegments, chosen, settings.readers,
            source_limiter, stopping, &source_counters,
            [&](int, const dynamodb::ItemPage& page) -> aws::Status {
              std::vector<dynamodb::ItemFingerprint> prints;
              std::vector<std::string> keys;
              for (std::string_view item : page.items) {
                aws::Result<dynamodb::ItemFingerprint> f =
                    dynamodb::FingerprintItem(item, source_table.key_schema, settings.ignored);
                if (!f.ok()) return std::move(f).error();
                aws::Result<std::string> key = dynamodb::ExtractKey(item, source_table.key_schema);
                if (!key.ok()) return std::move(key).error();
                prints.push_back(std::move(*f));
                keys.push_back(std::move(*key));
              }
              aws::Result<std::vector<std::string>> found = pipeline::GetItemsFully(
                  sides.target.dynamodb(), target_table.table_name, keys, settings.consistent_read,
                  unprocessed_policy, stop, target_limiter);
              if (!found.ok()) {
                // Cut short by a stop: the page is left uncompared, the result interrupted.
                if (found.error().kind == aws::ErrorKind::kCancelled && stop != nullptr &&
                    stop->load()) {
                  return aws::Status::Ok();
                }
                return sides.TargetError(std::move(found).error());
              }
              std::unordered_map<std::string, std::array<uint8_t, 16>> in_target;
              for (const std::string& item : *found) {
                aws::Result<dynamodb::ItemFingerprint> f =
                    dynamodb::FingerprintItem(item, target_table.key_schema, settings.ignored);
                if (!f.ok()) return sides.TargetError(std::move(f).error());
                in_target.emplace(std::move(f->key), f->digest);
              }
              target_counters.items.fetch_add(found->size(), std::memory_order_relaxed);
              std::lock_guard lock(mu);
              result->looked_up += keys.size();
              for (size_t i = 0; i < prints.size(); ++i) {
                auto it = in_target.find(prints[i].key);
                if (it == in_target.end()) {
                  add("MissingInTarget", std::move(keys[i]));
                } else if (it->second != prints[i].digest) {
                  add("Changed", std::move(keys[i]));
                }
              }
              return aws::Status::Ok();
            });
      },
      [](const pipeline::ScanStop&) { return aws::Status::Ok(); });
  result->source_items = source_counters.items.load();
  result->target_items = target_counters.items.load();
  if (stop != nullptr && stop->load()) result->interrupted = result->listing_interrupted = true;
  return status;
}

// Both full passes: pass one compares bucket digests; pass two lists the differences of the
// differing buckets. An interrupted pass lists nothing: a comparison of partial scans would
// report differences that are not there.
aws::Status VerifyFull(const Sides& sides, const VerifySettings& settings,
                       pipeline::RateLimiter* source_limiter, pipeline::RateLimiter* target_limiter,
                       const std::atomic<bool>* stop, VerifyResult* result,
                       std::vector<Difference>* differences) {
  const dynamodb::TableDescription& source_table = sides.source_table;
  const dynamodb::TableDescription& target_table = sides.target_table;
  auto stopped = [&] { return stop != nullptr && stop->load(); };
  const size_t buckets = pipeline::BucketsFor(
      static_cast<uint64_t>(std::max(source_table.item_count, target_table.item_count)));
  const pipeline::DigestOptions source_options =
      DigestOptionsFor(source_table, settings, buckets, settings.source_consumed_capacity);
  const pipeline::DigestOptions target_options =
      DigestOptionsFor(target_table, settings, buckets, settings.target_consumed_capacity);

  // Pass one: bucket digests of both tables.
  pipeline::ScanCounters source_counters;
  pipeline::ScanCounters target_counters;
  std::optional<pipeline::BucketDigests> source_digests;
  std::optional<pipeline::BucketDigests> target_digests;
  aws::Status scanned = RunBothWithProgress(
      sides, &source_counters, &target_counters, static_cast<uint64_t>(target_table.item_count),
      settings.source_consumed_capacity, settings.target_consumed_capacity, stop,
      [&](const pipeline::ScanStop& stopping) {
        return Keep(pipeline::DigestTable(sides.source.dynamodb(), source_options, source_limiter,
                                          stopping, &source_counters),
                    &source_digests);
      },
      [&](const pipeline::ScanStop& stopping) {
        return Keep(pipeline::DigestTable(sides.target.dynamodb(), target_options, target_limiter,
                                          stopping, &target_counters),
                    &target_digests);
      });
  if (!scanned.ok()) return scanned;
  result->source_items = source_digests->Total().count;
  result->target_items = target_digests->Total().count;
  if (stopped()) {
    result->interrupted = result->listing_interrupted = true;
    return aws::Status::Ok();
  }

  // Which buckets differ, and which of them pass two can itemise within its memory budget.
  std::vector<bool> wanted(buckets, false);
  uint64_t listed = 0;
  uint64_t differing = 0;
  for (size_t i = 0; i < buckets; ++i) {
    const dynamodb::DigestSum& a = source_digests->buckets[i];
    const dynamodb::DigestSum& b = target_digests->buckets[i];
    if (a == b) continue;
    ++differing;
    if (listed + a.count + b.count > settings.max_listed_keys) {
      ++result->unlisted_buckets;
      continue;
    }
    listed += a.count + b.count;
    wanted[i] = true;
  }
  if (differing == result->unlisted_buckets) return aws::Status::Ok();

  // Pass two: the keys of the differing buckets, on both sides.
  std::cerr << fmt::format("{} of {} buckets differ; scanning both tables again for their keys\n",
                           differing, buckets);
  pipeline::ScanCounters source_again;
  pipeline::ScanCounters target_again;
  std::optional<pipeline::KeyEntries> in_source;
  std::optional<pipeline::KeyEntries> in_target;
  scanned = RunBothWithProgress(
      sides, &source_again, &target_again, static_cast<uint64_t>(target_table.item_count),
      settings.source_consumed_capacity, settings.target_consumed_capacity, stop,
      [&](const pipeline::ScanStop& stopping) {
        return Keep(pipeline::CollectKeys(sides.source.dynamodb(), source_options, wanted,
                                          source_limiter, stopping, &source_again),
                    &in_source);
      },
      [&](const pipeline::ScanStop& stopping) {
        return Keep(pipeline::CollectKeys(sides.target.dynamodb(), target_options, wanted,
                                          target_limiter, stopping, &target_again),
                    &in_target);
      });
  if (!scanned.ok()) return scanned;
  if (stopped()) {
    result->interrupted = result->listing_interrupted = true;
    return aws::Status::Ok();
  }
  std::vector<bool> found_difference(buckets, false);
  auto bucket_of = [&](const std::string& key) {
    return dynamodb::CanonicalKeyHash(key) % buckets;
  };
  for (const auto& [key, entry] : *in_source) {
    auto it = in_target->find(key);
    if (it == in_target->end()) {
      differences->push_back({"MissingInTarget", entry.raw_key, {}});
      ++result->missing_in_target;
    } else if (it->second.digest != entry.digest) {
      differences->push_back({"Changed", entry.raw_key, {}});
      ++result->changed;
    } else {
      continue;
    }
    found_difference[bucket_of(key)] = true;
  }
  for (const auto& [key, entry] : *in_target) {
    if (in_source->contains(key)) continue;
    differences->push_back({"ExtraInTarget", entry.raw_key, {}});
    ++result->extra_in_target;
    found_difference[bucket_of(key)] = true;
  }
  for (size_t i = 0; i < buckets; ++i) {
    if (wanted[i] && !found_difference[i]) ++result->vanished_buckets;
  }
  return aws::Status::Ok();
}

// Sorts the differences (by kind, then key), names the changed attributes, and writes them all.
// A failed or interrupted lookup leaves paths out, with a warning, rather than the report.
aws::Status ReportDifferences(const Sides& sides, const VerifySettings& settings,
                              pipeline::RateLimiter* source_limiter,
                              pipeline::RateLimiter* target_limiter, const std::atomic<bool>* stop,
                              DifferenceSink* sink, VerifyResult* result,
                              std::vector<Difference>* differences) {
  std::sort(differences->begin(), differences->end(), [](const Difference& a, const Difference& b) {
    return std::tie(a.kind, a.raw_key) < std::tie(b.kind, b.raw_key);
  });
  const DetailOutcome detail =
      DetailChanges(sides, settings, source_limiter, target_limiter, stop, differences);
  if (detail.interrupted) result->interrupted = true;
  result->changed_while_verifying = detail.changed_while_verifying;
  for (const Difference& d : *differences) {
    if (aws::Status s = sink->Add(d); !s.ok()) return s;
  }
  // Those past the first max_detailed were never looked up: said apart from those whose lookup
  // failed or was stopped.
  const std::string beyond = detail.beyond_limit == 0
                                 ? std::string()
                                 : fmt::format(", as are the {} past the first {}, never looked up",
                                               pipeline::GroupThousands(detail.beyond_limit),
                                               pipeline::GroupThousands(settings.max_detailed));
  if (detail.failure) {
    std::cerr << fmt::format(
        "ddbmigrate: warning: the attributes that differ are not named for {} (listed by key "
        "only), since looking them up failed: {}{}\n",
        Counted(detail.left_without_paths, "changed item"), detail.failure->ToString(), beyond);
  } else if (detail.interrupted && detail.left_without_paths > 0) {
    std::cerr << fmt::format(
        "stopped looking up the changed items: {} {} listed by key only, without the "
        "attributes that differ{}\n",
        pipeline::GroupThousands(detail.left_without_paths),
        detail.left_without_paths == 1 ? "is" : "are", beyond);
  }
  if (detail.changed_while_verifying > 0) {
    std::cerr << fmt::format(
        "ddbmigrate: warning: {} differed when the tables were scanned but not when read back "
        "(\"ReadBack\" in the report): they changed while they were verified; verify again "
        "once writes have stopped\n",
        Counted(detail.changed_while_verifying, "changed item"));
  }
  return sink->Close();
}

}  // namespace

aws::Result<VerifyResult> VerifyTables(const Connection& source, const Connection& target,
                                       const dynamodb::TableDescription& source_table,
                                       const dynamodb::TableDescription& target_table,
                                       const VerifySettings& settings,
                                       const std::atomic<bool>* stop) {
  const auto start = std::chrono::steady_clock::now();
  for (const auto& k : source_table.key_schema) {
    if (settings.ignored.contains(k.attribute_name)) {
      return aws::Error::Make(aws::ErrorKind::kUsage,
                              "--ignore-attributes names the key attribute " + k.attribute_name +
                                  "; key attributes are always compared");
    }
  }
  DifferenceSink sink(settings.report_path);
  if (aws::Status s = sink.Open(); !s.ok()) return s.error();
  const Sides sides{source, target, source_table, target_table};
  const bool sample = settings.sample > 0 && settings.sample < 1;

  pipeline::RateLimiterOptions source_limit;
  source_limit.units_per_second = settings.source_read_rate;
  source_limit.first_request_units = ScanPageReadUnits(source_table, settings.page_size,
                                                       settings.segments, settings.consistent_read);
  pipeline::RateLimiterOptions target_limit;
  target_limit.units_per_second = settings.target_read_rate;
  // A sample reads the target by key, 100 keys per request; a full verify scans it.
  target_limit.first_request_units =
      sample ? LookupReadUnits(target_table, settings.consistent_read)
             : ScanPageReadUnits(target_table, settings.page_size, settings.segments,
                                 settings.consistent_read);
  pipeline::RateLimiter source_limiter(source_limit, aws::Clock::Real());
  pipeline::RateLimiter target_limiter(target_limit, aws::Clock::Real());
  pipeline::RateLimiter* src_limit = pipeline::IfLimited(source_limiter);
  pipeline::RateLimiter* dst_limit = pipeline::IfLimited(target_limiter);

  std::vector<Difference> differences;
  VerifyResult result;
  aws::Status compared =
      sample ? VerifySample(sides, settings, src_limit, dst_limit, stop, &result, &differences)
             : VerifyFull(sides, settings, src_limit, dst_limit, stop, &result, &differences);
  if (!compared.ok()) return compared.error();
  if (aws::Status s = ReportDifferences(sides, settings, src_limit, dst_limit, stop, &sink, &result,
                                        &differences);
      !s.ok()) {
    return s.error();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void PrintVerifyResult(const GlobalOptions& global, const dynamodb::TableDescription& source_table,
                       const dynamodb::TableDescription& target_table,
                       const VerifySettings& settings, const VerifyResult& r) {
  if (global.output == "json") {
    std::string out;
    aws::JsonWriter w(&out);
    w.BeginObject()
        .Member("SourceTable", source_table.table_name)
        .Member("TargetTable", target_table.table_name)
        .MemberInt("SourceItems", static_cast<int64_t>(r.source_items))
        .MemberInt("TargetItems", static_cast<int64_t>(r.target_items))
        .MemberInt("MissingInTarget", static_cast<int64_t>(r.missing_in_target))
        .MemberInt("ExtraInTarget", static_cast<int64_t>(r.extra_in_target))
        .MemberInt("Changed", static_cast<int64_t>(r.changed))
        .MemberInt("UnlistedBuckets", static_cast<int64_t>(r.unlisted_buckets))
        .MemberInt("ChangedWhileVerifying", static_cast<int64_t>(r.changed_while_verifying))
        .MemberInt("VanishedBuckets", static_cast<int64_t>(r.vanished_buckets))
        .MemberInt("UnlistedDifferences", static_cast<int64_t>(r.unlisted_differences))
        .MemberBool("Sampled", r.sampled);
    if (r.sampled) w.MemberInt("LookedUp", static_cast<int64_t>(r.looked_up));
    w.MemberBool("EmptySample", r.empty_sample())
        .MemberBool("Interrupted", r.interrupted)
        .MemberBool("Match", r.match())
        .Key("Seconds")
        .Double(r.seconds);
    if (!settings.report_path.empty()) {
      w.Member("Report", settings.report_path).MemberBool("ReportPartial", r.partial());
    }
    w.EndObject();
    std::cout << out << '\n';
    return;
  }
  if (r.sampled) {
    std::cout << fmt::format("source {}: {} sampled; target {}: {} looked up, {} found\n",
                             source_table.table_name, Counted(r.source_items, "item"),
                             target_table.table_name, pipeline::GroupThousands(r.looked_up),
                             pipeline::GroupThousands(r.target_items));
  } else {
    std::cout << fmt::format("source {}: {}; target {}: {}\n", source_table.table_name,
                             Counted(r.source_items, "item"), target_table.table_name,
                             Counted(r.target_items, "item"));
  }
  std::cout << fmt::format("missing in target: {}  extra in target: {}  changed: {}\n",
                           r.missing_in_target, r.extra_in_target, r.changed);
  if (r.unlisted_buckets > 0) {
    std::cout << fmt::format(
        "{} more differing buckets were not itemised (too many differences to list in "
        "memory); compare the counts, or fix what is listed and verify again\n",
        r.unlisted_buckets);
  }
  if (r.vanished_buckets > 0) {
    std::cout << fmt::format(
        "{} differed on the first scan but not on the second: the tables changed while they "
        "were verified; verify again once writes stop\n",
        Counted(r.vanished_buckets, "bucket"));
  }
  if (r.unlisted_differences > 0) {
    std::cout << fmt::format(
        "{} more differences were counted but not listed (a sample lists at most {}); fix what "
        "is listed and verify again\n",
        r.unlisted_differences, settings.max_listed_keys);
  }
  if (r.empty_sample()) {
    std::cout << "sampled: the sample held no item, so nothing was compared; raise --sample, or "
                 "verify without it (an empty source table holds none to sample)\n";
  } else if (r.sampled) {
    std::cout << "sampled: items that exist only in the target are not detected by a sample\n";
  }
  if (r.listing_interrupted) {
    std::cout << "interrupted before the comparison was finished: the counts and the report "
                 "cover only what was compared; verify again to list every difference\n";
  }
  if (!settings.report_path.empty()) {
    std::cout << "report: " << settings.report_path << (r.partial() ? " (partial)" : "") << '\n';
  }
  std::cout << fmt::format("result: {} ({:.1f} s)\n",
                           r.interrupted      ? "interrupted"
                           : r.empty_sample() ? "nothing compared"
                           : r.match()        ? (r.sampled ? "the sample matches" : "tables match")
                                              : "tables differ",
                           r.seconds);
}

}  // namespace ddbm::commands
