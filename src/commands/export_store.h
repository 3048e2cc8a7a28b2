// Opening the place an export is written to or read from (`--to` / `--from`): an S3 bucket
// through a connection of its own (--s3-region, --s3-profile, --s3-endpoint-url, --s3-role-arn,
// so a bucket in another account works with that account's credentials), or a local directory.
#pragma once

#include <CLI/CLI.hpp>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "commands/command.h"
#include "commands/connection.h"
#include "storage/location.h"
#include "storage/object_store.h"
#include "storage/s3_client.h"

namespace ddbm::commands {

struct OpenedStore {
  storage::Location location;
  std::unique_ptr<Connection> connection;  // S3 only; the store sends through it
  std::unique_ptr<storage::ObjectStore> store;
  std::string prefix;  // key prefix inside the store, no leading or trailing '/'
};

// Throttled answers and retries of a run's DynamoDB connection `db` and of the store's own
// connection (S3; none for a local directory), counted once when they are one.
uint64_t Throttles(const Connection& db, const OpenedStore& opened);
uint64_t Retries(const Connection& db, const OpenedStore& opened);

// Adds --s3-region, --s3-profile, --s3-endpoint-url, --s3-role-arn, --s3-external-id,
// --s3-role-session-name (each falls back to the global flag; the endpoint to
// AWS_ENDPOINT_URL_S3) and, for a command that writes the store, --part-size.
struct StoreFlags {
  SideOptions s3_side;
  int part_size_mib = 8;
  // Asked of S3 for every object written (set by the command from flags of its own; unused for
  // a local directory).
  storage::S3ServerSideEncryption encryption;
  void Add(CLI::App& app, bool writing);
};

// Parses `location_text` and opens it; sends nothing. Bad locations are kInvalidInput. For
// reading, a local path reaching into an export (".../AWSDynamoDB/<ExportId>") is split into
// the directory holding AWSDynamoDB/ (the bucket root the manifests' keys start from) and a
// prefix.
aws::Result<OpenedStore> OpenStore(const GlobalOptions& global, const StoreFlags& flags,
                                   const std::string& location_text, bool reading);

// With --native DynamoDB moves the data itself (ExportTableToPointInTime, ImportTable), so the
// flags that shape ddbmigrate's own transfer mean nothing: kUsage naming the first of
// `flags` given on `app`, with `verb` ("export" or "import") in its advice.
aws::Status RefuseWithNative(const CLI::App& app, std::initializer_list<std::string_view> flags,
                             std::string_view verb);

}  // namespace ddbm::commands
