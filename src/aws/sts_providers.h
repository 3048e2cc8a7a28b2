// Credentials obtained from STS: AssumeRole on top of source credentials, and
// AssumeRoleWithWebIdentity with an OIDC token file (EKS IRSA and similar).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aws/clock.h"
#include "aws/sts.h"

namespace ddbm::aws {

// "ddbmigrate-<unix seconds>": the session name used when none is configured.
std::string DefaultRoleSessionName(Clock::WallTime now);

// Calls AssumeRole on every call (wrap it in a RefreshingProvider). The StsClient signs with the
// source credentials. An empty role_session_name in `params` means DefaultRoleSessionName of the
// time of the call. Source "assume-role ROLE_ARN". Thread-safe.
// REQUIRES: `sts` not null; `clock` outlives the provider.
class AssumeRoleProvider final : public CredentialsProvider {
 public:
  AssumeRoleProvider(std::shared_ptr<const StsClient> sts, AssumeRoleParams params, Clock* clock)
      : sts_(std::move(sts)), params_(std::move(params)), clock_(clock) {}
  Result<Credentials> GetCredentials() override;

 private:
  const std::shared_ptr<const StsClient> sts_;
  const AssumeRoleParams params_;
  Clock* const clock_;
};

struct WebIdentityParams {
  std::string role_arn;
  std::string token_file;         // read on every call: the token rotates
  std::string role_session_name;  // empty: DefaultRoleSessionName at call time
  std::optional<int> duration_seconds;
};

// Reads the token file and calls AssumeRoleWithWebIdentity, unsigned, on every call (wrap it in
// a RefreshingProvider). An unreadable or empty token file is kCredentials naming the file, never
// its content. Source "web-identity ROLE_ARN". Thread-safe.
// REQUIRES: `sts` not null and built without credentials; `clock` outlives the provider.
class WebIdentityProvider final : public CredentialsProvider {
 public:
  WebIdentityProvider(std::shared_ptr<const StsClient> sts, WebIdentityParams params, Clock* clock)
      : sts_(std::move(sts)), params_(std::move(params)), clock_(clock) {}
  Result<Credentials> GetCredentials() override;

 private:
  const std::shared_ptr<const StsClient> sts_;
  const WebIdentityParams params_;
  Clock* const clock_;
};

}  // namespace ddbm::aws
