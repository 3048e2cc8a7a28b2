#include "commands/export_store.h"

#include <fmt/format.h>

#include <utility>

#include "commands/flag_checks.h"
#include "commands/transfer_runner.h"
#include "storage/local_store.h"
#include "storage/s3_store.h"

namespace ddbm::commands {

void StoreFlags::Add(CLI::App& app, bool writing) {
  const std::string group = "S3 side";
  app.add_option("--s3-region", s3_side.region, "Region of the bucket")
      ->check(RegionName())
      ->group(group);
  app.add_option("--s3-profile", s3_side.profile, "Profile for the bucket")->group(group);
  app.add_option("--s3-endpoint-url", s3_side.s3_endpoint_url,
                 "S3 endpoint (e.g. MinIO or a test server); path-style addressing")
      ->group(group);
  CLI::Option* role = app.add_option("--s3-role-arn", s3_side.role_arn,
                                     "Role to assume for the bucket (e.g. in another account)")
                          ->group(group);
  app.add_option("--s3-external-id", s3_side.external_id, "External id for --s3-role-arn")
      ->needs(role)
      ->group(group);
  app.add_option("--s3-role-session-name", s3_side.role_session_name,
                 "Session name for --s3-role-arn")
      ->needs(role)
      ->group(group);
  if (!writing) return;
  app.add_option("--part-size", part_size_mib,
                 "MiB per S3 multipart upload part, 5 to 5120 (default 8)")
      ->transform(WholeNumberRange(5, 5120))
      ->group(group);
}

aws::Result<OpenedStore> OpenStore(const GlobalOptions& global, const StoreFlags& flags,
                                   const std::string& location_text, bool reading) {
  aws::Result<storage::Location> location = storage::ParseLocation(location_text);
  if (!location.ok()) return AsUsageError(std::move(location).error());
  OpenedStore opened;
  opened.location = std::move(*location);
  const int64_t part_size = int64_t{flags.part_size_mib} << 20;
  if (opened.location.kind == storage::Location::Kind::kLocal) {
    // The S3 side's flags would apply to nothing: a typo in the location, most likely.
    const SideOptions& s3 = flags.s3_side;
    for (const auto& [flag, given] :
         {std::pair{"--s3-region", s3.region.has_value()},
          std::pair{"--s3-profile", s3.profile.has_value()},
          std::pair{"--s3-endpoint-url", s3.s3_endpoint_url.has_value()},
          std::pair{"--s3-role-arn", s3.role_arn.has_value()},
          // (A key id without the algorithm is refused before.)
          std::pair{"--s3-sse-algorithm", !flags.encryption.algorithm.empty()}}) {
      if (!given) continue;
      return UsageError(fmt::format(
          "{} applies to an S3 location (s3://bucket/prefix), not to the directory {}; drop "
          "it, or give an s3:// location",
          flag, location_text));
    }
    std::string root = opened.location.directory;
    constexpr std::string_view kExports = "AWSDynamoDB";
    const size_t at = ("/" + root).rfind("/" + std::string(kExports));
    const size_t end = at + kExports.size();  // in `root`'s own indices, past "AWSDynamoDB"
    if (reading && at != std::string::npos && (end == root.size() || root[end] == '/')) {
      opened.prefix = root.substr(at);
      while (!opened.prefix.empty() && opened.prefix.back() == '/') opened.prefix.pop_back();
      root = at == 0 ? "." : root.substr(0, at);
    }
    opened.store = std::make_unique<storage::LocalStore>(root, part_size);
    return opened;
  }
  aws::Result<std::unique_ptr<Connection>> connection = Connection::Open(global, flags.s3_side);
  if (!connection.ok()) return std::move(connection).error();
  opened.connection = std::move(*connection);
  storage::S3StoreOptions options;
  options.part_size = part_size;
  options.client.encryption = flags.encryption;
  aws::Result<std::unique_ptr<storage::S3Store>> store =
      storage::OpenS3Store(&opened.connection->s3_service(), opened.location.bucket, options);
  if (!store.ok()) return std::move(store).error();
  opened.store = std::move(*store);
  opened.prefix = opened.location.prefix;
  return opened;
}

aws::Status RefuseWithNative(const CLI::App& app, std::initializer_list<std::string_view> flags,
                             std::string_view verb) {
  for (std::string_view flag : flags) {
    if (app.count(std::string(flag)) == 0) continue;
    return UsageError(
        fmt::format("{} does not apply to --native: DynamoDB runs that {} "
                    "itself; drop it, or {} without --native",
                    flag, verb, verb));
  }
  return aws::Status::Ok();
}

uint64_t Throttles(const Connection& db, const OpenedStore& opened) {
  return opened.connection ? Throttles(db, *opened.connection) : db.throttles();
}

uint64_t Retries(const Connection& db, const OpenedStore& opened) {
  return opened.connection ? Retries(db, *opened.connection) : db.retries();
}

}  // namespace ddbm::commands
