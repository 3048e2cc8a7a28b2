// Table comparison shared by `verify` and `copy --verify`.
//
// Pass one digests both tables into buckets (pipeline/table_digest.h), scanning them at the same
// time; equal buckets everywhere means equal tables, after one scan of each. Otherwise pass two
// scans both again, keeping only the keys of the differing buckets, and lists each difference;
// changed items are then read back (BatchGetItem, pipeline::GetItemPairs) to name the attributes
// that differ.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "aws/error.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "dynamodb/item_compare.h"
#include "dynamodb/types.h"

namespace ddbm::commands {

struct VerifySettings {
  int segments = 8;
  int readers = 8;  // segments scanned at once on each table
  int page_size = 0;
  bool consistent_read = false;
  dynamodb::IgnoredAttributes ignored;
  double source_read_rate = 0;  // units/s; 0: unlimited
  double target_read_rate = 0;
  // Whether the Scans of each table ask for their consumed capacity, shown in the progress (under
  // a read rate limit they ask whatever this says).
  bool source_consumed_capacity = false;
  bool target_consumed_capacity = false;
  std::string report_path;  // JSON lines; empty: none
  // Keys the second pass may hold in memory (both sides together); buckets beyond are counted
  // but not itemised. A sample lists at most this many differences and counts the rest.
  uint64_t max_listed_keys = 500'000;
  // Changed items whose differing attributes are looked up; the rest are listed by key only.
  uint64_t max_detailed = 1000;
  // Sample: compare only about this fraction of the source's items, looked up in the target by
  // key (so items only in the target are not seen). 0 or 1: the whole tables.
  double sample = 0;
};

struct VerifyResult {
  uint64_t source_items = 0;
  uint64_t target_items = 0;
  uint64_t missing_in_target = 0;
  uint64_t extra_in_target = 0;
  uint64_t changed = 0;
  uint64_t unlisted_buckets = 0;  // differing buckets not itemised (over max_listed_keys)
  uint64_t vanished_buckets = 0;  // differed in pass one, not in pass two: tables changed
  // Changed items that read back equal, or absent from a side: they changed while verified.
  uint64_t changed_while_verifying = 0;
  uint64_t looked_up = 0;  // sample: keys looked up in the target (target_items: those found)
  uint64_t unlisted_differences = 0;  // sample: counted, not listed (over max_listed_keys)
  bool sampled = false;
  bool interrupted = false;
  // Stopped before the differences were listed: the counts and the report cover only what was
  // compared (a full verify then lists nothing, since partial scans cannot be compared).
  bool listing_interrupted = false;
  double seconds = 0;
  // Whether the report (and the counts) leave differences out.
  bool partial() const {
    return listing_interrupted || unlisted_buckets > 0 || unlisted_differences > 0;
  }
  // A sample that held no item compared nothing: it is no evidence of a match.
  bool empty_sample() const { return sampled && source_items == 0; }
  bool match() const {
    return missing_in_target == 0 && extra_in_target == 0 && changed == 0 &&
           unlisted_buckets == 0 && vanished_buckets == 0 && !interrupted && !empty_sample();
  }
};

// Compares the two tables. The key schemas must already be checked equal by the caller.
// Differences go to settings.report_path (when set) and the first few to stderr. Once `stop`
// reads true the comparison ends early and the result says interrupted (and partial() when
// differences were left unlisted). A side that fails ends the other side's scan too, and its
// error names its table.
aws::Result<VerifyResult> VerifyTables(const Connection& source, const Connection& target,
                                       const dynamodb::TableDescription& source_table,
                                       const dynamodb::TableDescription& target_table,
                                       const VerifySettings& settings,
                                       const std::atomic<bool>* stop);

// Prints the result: a few lines, or one JSON object with --output json.
void PrintVerifyResult(const GlobalOptions& global, const dynamodb::TableDescription& source_table,
                       const dynamodb::TableDescription& target_table,
                       const VerifySettings& settings, const VerifyResult& result);

}  // namespace ddbm::commands
