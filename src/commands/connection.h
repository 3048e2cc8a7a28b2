// Connection: everything one side of a migration needs to talk to AWS: transport, credentials,
// region, endpoints, and the DynamoDB, DynamoDB Streams, STS and S3 clients built on them.
// Thread-safe once opened; lives as long as the command that opened it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aws/clock.h"
#include "aws/config_file.h"
#include "aws/credentials.h"
#include "aws/curl_transport.h"
#include "aws/env.h"
#include "aws/service_client.h"
#include "aws/sts.h"
#include "commands/command.h"
#include "dynamodb/client.h"
#include "dynamodb/streams_client.h"
#include "dynamodb/table_ref.h"

namespace ddbm::commands {

// Per-side overrides (e.g. --source-region); unset fields fall back to the global options.
struct SideOptions {
  std::optional<std::string> region;
  std::optional<std::string> profile;
  std::optional<std::string> endpoint_url;
  std::string side;  // "source" or "target" for the --source-/--target- flags; empty otherwise
  std::optional<std::string> role_arn;  // assume this role on top of the resolved credentials
  std::optional<std::string> external_id;
  std::optional<std::string> role_session_name;
  // Where S3 requests go (moto, MinIO); --endpoint-url names the DynamoDB endpoint and is not
  // used for S3. Unset: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile, then AWS's S3.
  std::optional<std::string> s3_endpoint_url;
};

class Connection {
 public:
  // Resolves region, credentials and endpoints; sends nothing yet (credentials are fetched on the
  // first request). Bad profiles, files, regions or URLs fail here with a clear message.
  static aws::Result<std::unique_ptr<Connection>> Open(const GlobalOptions& global,
                                                       const SideOptions& side,
                                                       const aws::Env* env = aws::Env::Process(),
                                                       aws::Clock* clock = aws::Clock::Real());

  const dynamodb::DynamoDbClient& dynamodb() const { return *dynamodb_; }
  const dynamodb::DynamoDbStreamsClient& streams() const { return *streams_; }
  const aws::StsClient& sts() const { return *sts_; }
  // Configured for S3 (signing name "s3", S3-style signing); storage::S3Client and
  // storage::OpenS3Store build on it.
  const aws::ServiceClient& s3_service() const { return *s3_service_; }
  const std::string& region() const { return region_; }
  aws::CredentialsProvider& credentials() const { return *credentials_; }
  // Throttled answers and retries of every call made through this connection, to DynamoDB,
  // DynamoDB Streams and S3 alike. Thread-safe (relaxed reads of the clients' counters).
  uint64_t throttles() const;
  uint64_t retries() const;

 private:
  Connection() = default;
  // `field` of every service client's counters, added up.
  uint64_t SumCounters(std::atomic<uint64_t> aws::CallCounters::*field) const;

  std::string region_;
  std::unique_ptr<aws::CurlTransport> transport_;
  std::unique_ptr<aws::CurlTransport> metadata_transport_;
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  std::unique_ptr<aws::ServiceClient> dynamodb_service_;
  std::unique_ptr<aws::ServiceClient> streams_service_;
  std::unique_ptr<aws::ServiceClient> s3_service_;
  std::unique_ptr<dynamodb::DynamoDbClient> dynamodb_;
  std::unique_ptr<dynamodb::DynamoDbStreamsClient> streams_;
  std::unique_ptr<aws::StsClient> sts_;
};

// One table, named by its name or ARN, and a connection to it: an ARN's region wins over
// --region, everything else comes from the global options. For the single-table commands.
struct TableConnection {
  dynamodb::TableRef ref;
  std::unique_ptr<Connection> connection;
};
aws::Result<TableConnection> OpenTableConnection(const GlobalOptions& global,
                                                 const std::string& table);

}  // namespace ddbm::commands
