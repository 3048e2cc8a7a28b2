#include "commands/connection.h"

#include "aws/credentials_chain.h"
#include "aws/endpoint.h"
#include "commands/interrupt.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>

namespace ddbm::commands {
namespace {

// arn:<partition>:iam::<12-digit account>:role/<path/name>
bool IsRoleArn(const std::string& arn) {
  static const std::regex kRoleArn(R"(^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$)");
  return std::regex_match(arn, kRoleArn);
}

template <class T>
const std::optional<T>& Pick(const std::optional<T>& side, const std::optional<T>& global) {
  return side ? side : global;
}

}  // namespace

uint64_t Connection::SumCounters(std::atomic<uint64_t> aws::CallCounters::*field) const {
  uint64_t total = 0;
  for (const aws::ServiceClient* c :
       {dynamodb_service_.get(), streams_service_.get(), s3_service_.get()}) {
    if (c != nullptr) total += (c->counters().*field).load(std::memory_order_relaxed);
  }
  return total;
}

uint64_t Connection::throttles() const { return SumCounters(&aws::CallCounters::throttles); }

uint64_t Connection::retries() const { return SumCounters(&aws::CallCounters::retries); }

aws::Result<std::unique_ptr<Connection>> Connection::Open(const GlobalOptions& global,
                                                          const SideOptions& side,
                                                          const aws::Env* env, aws::Clock* clock) {
  EnsureInterruptHandler(kStartUpStopping, InFlight::kAbandon);
  std::unique_ptr<Connection> c(new Connection());
  const std::optional<std::string>& profile_flag = Pick(side.profile, global.profile);
  const std::optional<std::string>& region_flag = Pick(side.region, global.region);
  const std::optional<std::string>& endpoint_flag = Pick(side.endpoint_url, global.endpoint_url);

  if (side.role_arn && !IsRoleArn(*side.role_arn)) {
    return aws::Error::Make(aws::ErrorKind::kUsage,
                            "role ARN '" + *side.role_arn +
                                "' is not an IAM role ARN; expected "
                                "arn:aws:iam::<12-digit account id>:role/<name>");
  }
  aws::Result<aws::SharedConfig> config = aws::SharedConfig::Load(*env);
  if (!config.ok()) return std::move(config).error();
  const std::string profile = aws::ActiveProfile(profile_flag, *env);
  if (profile_flag && !config->HasProfile(*profile_flag)) {
    return aws::Error::Make(
        aws::ErrorKind::kConfig,
        "The config profile (" + *profile_flag + ") could not be found in " + config->Paths());
  }
  if (!profile_flag && aws::ConflictingProfileVariables(*env)) {
    // botocore would take AWS_DEFAULT_PROFILE's, the AWS CLI v2 AWS_PROFILE's: no guess is safe.
    return aws::Error::Make(
        aws::ErrorKind::kConfig,
        "AWS_PROFILE (" + *env->Get("AWS_PROFILE") + ") and AWS_DEFAULT_PROFILE (" +
            *env->Get("AWS_DEFAULT_PROFILE") +
            ") name different profiles; unset one of them, or name the profile with a "
            "flag (--profile, or each side's --source-profile and "
            "--target-profile)");
  }
  // A misspelt profile variable would otherwise show up later as a missing region or credentials.
  const std::optional<aws::EnvironmentProfile> env_profile = aws::ProfileFromEnvironment(*env);
  if (!profile_flag && env_profile && !config->HasProfile(profile)) {
    return aws::Error::Make(aws::ErrorKind::kConfig,
                            "The config profile (" + profile + ") named by " +
                                env_profile->variable + " could not be found in " +
                                config->Paths() +
                                "; fix the variable, or unset it to use the default profile");
  }
  aws::Result<std::string> region = aws::ResolveRegion(region_flag, *env, *config, profile);
  if (!region.ok()) return std::move(region).error();
  c->region_ = *region;

  aws::CurlTransportOptions transport_options;
  transport_options.verify_tls = !global.no_verify_ssl;
  transport_options.abandon = AbandonFlag();
  std::string bundle_source;
  if (global.ca_bundle) {
    transport_options.ca_bundle = *global.ca_bundle;
    bundle_source = "--ca-bundle";
  } else if (auto bundle = env->Get("AWS_CA_BUNDLE")) {
    transport_options.ca_bundle = *bundle;
    bundle_source = "AWS_CA_BUNDLE";
  } else if (auto profile_bundle = config->Get(profile, "ca_bundle")) {
    transport_options.ca_bundle = *profile_bundle;
    bundle_source = "ca_bundle of profile " + profile;
  }
  // Up front, as for other files we are told to read: otherwise only the first https request
  // would tell, and a run over http not at all.
  if (!transport_options.ca_bundle.empty() && std::ifstream(transport_options.ca_bundle).fail()) {
    return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                            bundle_source + " " + transport_options.ca_bundle +
                                " cannot be read: " + std::strerror(errno));
  }
  c->transport_ = std::make_unique<aws::CurlTransport>(transport_options);

  // Metadata endpoints answer in milliseconds or not at all: off EC2/ECS, fail fast.
  // TLS verified or not as told (a container credentials endpoint may be https), against the
  // system's trust store: a --ca-bundle is for the services' endpoints.
  aws::CurlTransportOptions metadata_options;
  metadata_options.verify_tls = transport_options.verify_tls;
  metadata_options.abandon = AbandonFlag();
  metadata_options.connect_timeout = std::chrono::milliseconds(1000);
  metadata_options.request_timeout = std::chrono::milliseconds(3000);
  c->metadata_transport_ = std::make_unique<aws::CurlTransport>(metadata_options);

  aws::RetryOptions retry;
  if (global.max_attempts > 0) {
    retry.max_attempts = global.max_attempts;
    retry.throttles_count_toward_attempts = true;
  } else {
    retry.outage_window =
        std::chrono::seconds(global.retry_window.value_or(kDefaultRetryWindowSeconds));
  }
  // One line each, above the progress line that the reporter redraws on its next tick.
  auto notice = [](const std::string& line) {
    static std::mutex mu;
    static const bool terminal = ::isatty(STDERR_FILENO) == 1;
    std::lock_guard lock(mu);
    std::cerr << (terminal ? "\r\033[K" : "") << "ddbmigrate: " << line << '\n';
  };
  std::function<void(const std::string&)> debug_log;
  if (global.debug) {
    debug_log = [](const std::string& line) {
      static std::mutex mu;
      std::lock_guard lock(mu);
      std::cerr << "debug: " << line << '\n';
    };
  }

  aws::CredentialsOptions credentials_options;
  credentials_options.sts_debug_log = debug_log;
  credentials_options.metadata_transport = c->metadata_transport_.get();
  credentials_options.profile = profile_flag;
  credentials_options.region = region_flag;
  credentials_options.role_arn = side.role_arn;
  credentials_options.external_id = side.external_id;
  credentials_options.role_session_name = side.role_session_name;
  credentials_options.stop = StopFlag();
  credentials_options.sts_retry = retry;  // role sessions renewed mid-run ride out outages too
  credentials_options.sts_notice = notice;
  aws::Result<std::shared_ptr<aws::CredentialsProvider>> credentials =
      aws::BuildCredentialsProvider(credentials_options, *config, env, c->transport_.get(), clock);
  if (!credentials.ok()) return std::move(credentials).error();
  c->credentials_ = *credentials;

  // `name` is both the service's name in messages and its SigV4 signing name.
  // `flag_name`: the flag `flag_url` came from.
  auto make_service =
      [&](const std::string& name, std::string prefix, std::string env_suffix,
          const std::optional<std::string>& flag_url,
          std::string flag_name) -> aws::Result<std::unique_ptr<aws::ServiceClient>> {
    aws::EndpointInputs inputs;
    inputs.endpoint_prefix = std::move(prefix);
    inputs.env_suffix = std::move(env_suffix);
    inputs.region = c->region_;
    inputs.flag_url = flag_url;
    inputs.flag_name = std::move(flag_name);
    inputs.configured = aws::ConfiguredEndpointsOf(*config, profile, *env, inputs.env_suffix);
    aws::Result<aws::Url> endpoint = aws::ResolveEndpoint(inputs, *env);
    aws::ServiceClientConfig service;
    if (aws::Status s = aws::UseEndpoint(std::move(endpoint), &service); !s.ok()) {
      return std::move(s).error();
    }
    service.service = name;
    service.signing_name = name;
    service.s3_signing = name == "s3";
    service.region = c->region_;
    service.credentials = c->credentials_;
    service.transport = c->transport_.get();
    service.clock = clock;
    service.retry = retry;
    service.user_agent = std::string("ddbmigrate/") + DDBM_VERSION;
    service.debug_log = debug_log;
    service.notice = notice;
    service.stop = StopFlag();
    return std::make_unique<aws::ServiceClient>(std::move(service));
  };
  const std::string endpoint_flag_name = side.endpoint_url && !side.side.empty()
                                             ? "--" + side.side + "-endpoint-url"
                                             : "--endpoint-url";
  auto dynamodb_service =
      make_service("dynamodb", "dynamodb", "DYNAMODB", endpoint_flag, endpoint_flag_name);
  if (!dynamodb_service.ok()) return std::move(dynamodb_service).error();
  c->dynamodb_service_ = std::move(*dynamodb_service);
  // --endpoint-url names a DynamoDB-compatible server, which serves Streams on the same port
  // (DynamoDB Local does); otherwise Streams has its own endpoint and variable.
  auto streams_service = make_service("dynamodb", "streams.dynamodb", "DYNAMODB_STREAMS",
                                      endpoint_flag, endpoint_flag_name);
  if (!streams_service.ok()) return std::move(streams_service).error();
  c->streams_service_ = std::move(*streams_service);
  auto s3_service = make_service("s3", "s3", "S3", side.s3_endpoint_url, "--s3-endpoint-url");
  if (!s3_service.ok()) return std::move(s3_service).error();
  c->s3_service_ = std::move(*s3_service);
  c->dynamodb_ = std::make_unique<dynamodb::DynamoDbClient>(c->dynamodb_service_.get());
  c->streams_ = std::make_unique<dynamodb::DynamoDbStreamsClient>(c->streams_service_.get());

  aws::Result<aws::ServiceClientConfig> sts = aws::StsClientConfig(
      c->region_, *env, aws::ConfiguredEndpointsOf(*config, profile, *env, "STS"), c->credentials_,
      c->transport_.get(), clock);
  if (!sts.ok()) return std::move(sts).error();
  sts->retry = retry;
  sts->debug_log = debug_log;
  sts->notice = notice;
  sts->stop = StopFlag();
  c->sts_ = std::make_unique<aws::StsClient>(std::move(*sts));
  return c;
}

aws::Result<TableConnection> OpenTableConnection(const GlobalOptions& global,
                                                 const std::string& table) {
  aws::Result<dynamodb::TableRef> ref = dynamodb::ParseTableRef(table);
  if (!ref.ok()) return AsUsageError(std::move(ref).error());
  SideOptions side;
  side.region = ref->region;
  aws::Result<std::unique_ptr<Connection>> connection = Connection::Open(global, side);
  if (!connection.ok()) return std::move(connection).error();
  return TableConnection{std::move(*ref), std::move(*connection)};
}

}  // namespace ddbm::commands
