// Progress reporting for long runs: a line on stderr refreshed in place on a terminal, or a
// plain line every so often when stderr is a file or a pipe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>

#include "aws/clock.h"

namespace ddbm::pipeline {

struct ProgressSample {
  uint64_t items_read = 0;
  uint64_t items_written = 0;
  uint64_t items_dead_lettered = 0;
  double read_capacity = 0;  // consumed, units
  double write_capacity = 0;
  uint64_t throttles = 0;           // throttled requests
  uint64_t unprocessed_resent = 0;  // writes returned as UnprocessedItems and sent again
  uint64_t retries = 0;
  // The items this run is expected to read (the source's approximate ItemCount, less what the
  // runs a resume continues did); 0: unknown.
  uint64_t expected_items = 0;
  // What the rate and the ETA count (see ProgressDone): the items written and dead-lettered,
  // or, when those are not the items read (a transform drops items or makes several of one),
  // the items read.
  bool rate_of_reads = false;
  // What the two counters and capacities are called (verify counts two scans, not writes).
  const char* read_label = "read";
  const char* written_label = "written";
  const char* read_units = "RCU";
  const char* written_units = "WCU";
  const char* rate_label = "items/s";
  // False when that consumed capacity was not asked for: its figure is then left out.
  bool read_capacity_asked = true;
  bool write_capacity_asked = true;
  std::string extra;  // appended as is (replication lag, shards open)
};

// "read 12,000  written 11,975  3,950 items/s  RCU 1,500  WCU 12,000  throttles 3  retries 5
//  unprocessed 40  ETA 0:42" (unprocessed: writes resent after UnprocessedItems, when any). Pure;
//  `items_per_second` is measured by the caller.
std::string FormatProgress(const ProgressSample& sample, double items_per_second);
// The items done, for the rate and the ETA: items_read with rate_of_reads, else the items
// written and dead-lettered.
uint64_t ProgressDone(const ProgressSample& sample);
// 1234567 -> "1,234,567".
std::string GroupThousands(uint64_t value);

class ProgressReporter {
 public:
  // `sample` is called from the reporter's thread; it must be thread-safe (read atomics).
  ProgressReporter(std::function<ProgressSample()> sample, std::FILE* out, bool terminal,
                   aws::Clock* clock);
  ~ProgressReporter();  // stops the thread

  void Start();
  // Stops reporting and, on a terminal, clears the in-place line. Idempotent.
  void Stop();

 private:
  void Loop();

  std::function<ProgressSample()> sample_;
  std::FILE* out_;
  bool terminal_;
  aws::Clock* clock_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ddbm::pipeline
