#include "aws/static_providers.h"

namespace ddbm::aws {

bool HasEnvironmentCredentials(const Env& env) {
  return env.Get("AWS_ACCESS_KEY_ID").has_value() || env.Get("AWS_SECRET_ACCESS_KEY").has_value();
}

Result<Credentials> EnvironmentProvider::GetCredentials() {
  auto access_key = env_->Get("AWS_ACCESS_KEY_ID");
  auto secret = env_->Get("AWS_SECRET_ACCESS_KEY");
  if (!access_key && !secret) {
    return Error::Make(ErrorKind::kCredentials,
                       "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  }
  if (!access_key || !secret) {
    return Error::Make(ErrorKind::kCredentials,
                       std::string(access_key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                           " is set but " +
                           (access_key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                           " is not; set both, or neither");
  }
  Credentials credentials;
  credentials.access_key_id = std::move(*access_key);
  credentials.secret_access_key = std::move(*secret);
  auto token = env_->Get("AWS_SESSION_TOKEN");
  if (!token) token = env_->Get("AWS_SECURITY_TOKEN");
  if (token) credentials.session_token = std::move(*token);
  credentials.source = "env";
  return credentials;
}

}  // namespace ddbm::aws
