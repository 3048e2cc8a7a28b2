// The credentials chain and region resolution, with the AWS CLI's precedence.
//
// Credentials, first match wins:
//   1. explicit credentials (flags)
//   2. --profile: that profile and nothing else (no environment keys, no metadata services)
//   3. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN)
//   4. the AWS_PROFILE (or AWS_DEFAULT_PROFILE) profile
//   5. web identity from AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME)
//   6. the [default] profile (only when no profile variable is set: a session has one profile)
//   7. the ECS / EKS container endpoint (AWS_CONTAINER_CREDENTIALS_*_URI)
//   8. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true
// Within a profile: role_arn (with source_profile or credential_source) > web_identity_token_file
// + role_arn > keys in the credentials file > credential_process > keys in the config file.
// Then, when CredentialsOptions::role_arn is set, that role is assumed with whatever resolved.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/clock.h"
#include "aws/config_file.h"
#include "aws/credentials.h"
#include "aws/env.h"
#include "aws/http.h"
#include "aws/refreshing_provider.h"
#include "aws/retry.h"

namespace ddbm::aws {

struct CredentialsOptions {
  std::optional<std::string> profile;  // --profile
  // Explicit credentials; key id and secret must come together.
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;
  // A role to assume on top of whatever the chain resolves (e.g. --source-role-arn).
  std::optional<std::string> role_arn;
  std::optional<std::string> external_id;
  std::optional<std::string> role_session_name;  // default "ddbmigrate-<unix seconds>"
  std::optional<int> duration_seconds;
  // --region: the region of the STS calls the chain makes (see StsRegion).
  std::optional<std::string> region;

  // Plumbing. Temporary credentials are refreshed per `refresh`; STS calls retry per
  // `sts_retry`. The container endpoint and instance metadata use `metadata_transport` when set
  // (give it a short connect timeout), else the main transport.
  RefreshOptions refresh;
  RetryOptions sts_retry;
  std::function<void(const std::string&)> sts_notice;  // see ServiceClientConfig::notice
  // --debug: told one line per STS attempt; see ServiceClientConfig::debug_log.
  std::function<void(const std::string&)> sts_debug_log;
  // Ends the STS calls' retry waits once it reads true (see ServiceClientConfig::stop); not
  // owned, may be null.
  const std::atomic<bool>* stop = nullptr;
  Transport* metadata_transport = nullptr;
};

// Builds the provider the options and environment select; see the precedence above. Everything
// that can be checked without a network call or a command is checked here: an unknown profile
// (kConfig "The config profile (NAME) could not be found in FILES"), a role_arn without a source,
// a source_profile loop, partial keys, an unsupported setting (kConfig), nothing configured at all
// (kCredentials "Unable to locate credentials: ..."). Fetch failures surface from
// GetCredentials(). Temporary credentials are cached and refreshed by the returned provider.
// No message contains a secret key, session token or web identity token.
// REQUIRES: env, transport and clock are not null and outlive the returned provider (as does
// options.metadata_transport when set).
Result<std::shared_ptr<CredentialsProvider>> BuildCredentialsProvider(
    const CredentialsOptions& options, const SharedConfig& config, const Env* env,
    Transport* transport, Clock* clock);

// As above, reading the shared config and credentials files first (see config_file.h).
Result<std::shared_ptr<CredentialsProvider>> BuildCredentialsProvider(
    const CredentialsOptions& options, const Env* env, Transport* transport, Clock* clock);

// The profile the environment selects: AWS_PROFILE, else AWS_DEFAULT_PROFILE (which botocore and
// the AWS CLI v1 read too), with the variable it came from; nullopt when neither is set. When both
// are set to different profiles, AWS_PROFILE's wins here; Connection refuses that case up front
// (botocore would take AWS_DEFAULT_PROFILE's), see ConflictingProfileVariables.
struct EnvironmentProfile {
  std::string name;
  std::string variable;  // "AWS_PROFILE" or "AWS_DEFAULT_PROFILE"
};
std::optional<EnvironmentProfile> ProfileFromEnvironment(const Env& env);

// Whether AWS_PROFILE and AWS_DEFAULT_PROFILE are both set, to different profiles.
bool ConflictingProfileVariables(const Env& env);

// The profile whose settings apply: --profile, else the environment's (above), else "default".
std::string ActiveProfile(const std::optional<std::string>& profile_flag, const Env& env);

// --region > AWS_REGION > AWS_DEFAULT_REGION > the profile's region (a missing profile has none).
// None is kConfig "no region: pass --region, set AWS_REGION, or add region to the profile"; a
// value that is not a region name (letters, digits, '-') is kInvalidInput naming its source.
Result<std::string> ResolveRegion(const std::optional<std::string>& region_flag, const Env& env,
                                  const SharedConfig& config, std::string_view profile);

// Whether `region` can be a region's name: letters, digits and '-', not empty.
bool IsRegionName(std::string_view region);

// The region of the chain's STS calls: ResolveRegion for the active profile, or us-east-1 when no
// region is configured anywhere (where the AWS CLI would use the global endpoint, which lives in
// us-east-1).
Result<std::string> StsRegion(const std::optional<std::string>& region_flag, const Env& env,
                              const SharedConfig& config, std::string_view profile);

}  // namespace ddbm::aws
