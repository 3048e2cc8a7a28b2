// AWS STS over the query protocol: POST form bodies (Action=...&Version=2011-06-15&...) and XML
// answers. AssumeRole and AssumeRoleWithWebIdentity feed the credentials chain;
// GetCallerIdentity answers "who am I".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "aws/endpoint.h"
#include "aws/env.h"
#include "aws/service_client.h"

namespace ddbm::aws {

inline constexpr char kStsApiVersion[] = "2011-06-15";

struct AssumeRoleParams {
  std::string role_arn;
  std::string role_session_name;
  std::optional<std::string> external_id;
  std::optional<int> duration_seconds;  // nullopt: the service default (one hour)
};

struct AssumeRoleWithWebIdentityParams {
  std::string role_arn;
  std::string role_session_name;
  std::string web_identity_token;  // a secret: never in messages
  std::optional<int> duration_seconds;
};

struct AssumedRole {
  Credentials credentials;       // source "assume-role ROLE_ARN" or "web-identity ROLE_ARN"
  std::string assumed_role_arn;  // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
  std::string assumed_role_id;
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
};

// "k1=v1&k2=v2" with keys and values percent-encoded (RFC 3986), in the order given.
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

// The STS error decoder: nullopt for a 2xx answer whose body is well-formed XML; a 2xx with a
// malformed body is kCorruption (retryable); any other status is kService with Code, Message and
// RequestId from <ErrorResponse><Error>...</Error><RequestId>. Never quotes the body.
std::optional<Error> DecodeStsError(const HttpResponse& response);

// The ServiceClientConfig for STS in `region`. The endpoint follows endpoint.h, `configured`
// being what the profile and environment set for STS.
// `credentials` null means unsigned requests (AssumeRoleWithWebIdentity).
// REQUIRES: transport and clock outlive every client made from the config.
Result<ServiceClientConfig> StsClientConfig(const std::string& region, const Env& env,
                                            const ConfiguredEndpoints& configured,
                                            std::shared_ptr<CredentialsProvider> credentials,
                                            Transport* transport, Clock* clock);

// Thread-safe (ServiceClient is). Every call retries per the config's RetryOptions.
class StsClient {
 public:
  explicit StsClient(ServiceClientConfig config) : client_(std::move(config)) {}

  Result<AssumedRole> AssumeRole(const AssumeRoleParams& params) const;
  // Works with an unsigned client; the token authenticates the call.
  Result<AssumedRole> AssumeRoleWithWebIdentity(
      const AssumeRoleWithWebIdentityParams& params) const;
  Result<CallerIdentity> GetCallerIdentity() const;

  const ServiceClient& service_client() const { return client_; }

 private:
  Result<HttpResponse> Post(std::string_view action,
                            std::vector<std::pair<std::string, std::string>> fields) const;

  ServiceClient client_;
};

}  // namespace ddbm::aws
