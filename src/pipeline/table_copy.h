// TableCopy: the plain table-to-table copy. Scan segments run in parallel, each streaming its
// pages; every page is cut into batches of 25 that a pool of writers sends with BatchWriteItem.
// Memory is bounded by the batch queue, not by the table.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "aws/clock.h"
#include "aws/error.h"
#include "aws/retry.h"
#include "dynamodb/client.h"
#include "pipeline/batch_writer.h"

namespace ddbm::pipeline {

struct CopyOptions {
  std::string source_table;
  std::string target_table;
  int segments = 8;            // parallel scan segments
  int page_size = 0;           // Scan Limit; 0: the service's 1 MB pages
  int writers = 16;            // concurrent BatchWriteItem requests
  size_t queue_batches = 256;  // batches waiting for a writer, at most
  bool consistent_read = false;
};

struct CopyCounters {
  std::atomic<uint64_t> items_read{0};
  std::atomic<uint64_t> pages{0};
  std::atomic<double> read_capacity{0};
  WriteCounters writes;
};

class TableCopy {
 public:
  // `source`, `target` and `policy` must outlive the copy.
  TableCopy(const dynamodb::DynamoDbClient* source, const dynamodb::DynamoDbClient* target,
            const aws::RetryPolicy* policy, CopyOptions options);

  // Copies every item; returns the first final error (the copy stops at it). `counters` may be
  // read by another thread while this runs.
  aws::Status Run(CopyCounters* counters);

 private:
  const dynamodb::DynamoDbClient* source_;
  const dynamodb::DynamoDbClient* target_;
  const aws::RetryPolicy* policy_;
  CopyOptions options_;
};

}  // namespace ddbm::pipeline
