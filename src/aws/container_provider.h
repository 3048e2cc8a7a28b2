// Credentials from the ECS / EKS Pod Identity container credentials endpoint.
#pragma once

#include "aws/credentials.h"
#include "aws/env.h"
#include "aws/http.h"

namespace ddbm::aws {

// True when AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI is set.
bool HasContainerCredentials(const Env& env);

// GETs http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or else
// AWS_CONTAINER_CREDENTIALS_FULL_URI (which, over plain http, must name a loopback address or the
// ECS / EKS agent addresses, as in the AWS CLI). The Authorization header is the content of
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read on every call; it rotates), else
// AWS_CONTAINER_AUTHORIZATION_TOKEN. One attempt per call: callers wrap it in a
// RefreshingProvider. Errors are kCredentials (kConfig for a bad variable) and never quote the
// answer or the token. Source "container". Thread-safe.
// REQUIRES: `env` and `transport` outlive the provider.
class ContainerProvider final : public CredentialsProvider {
 public:
  ContainerProvider(const Env* env, Transport* transport) : env_(env), transport_(transport) {}
  Result<Credentials> GetCredentials() override;

 private:
  const Env* env_;
  Transport* transport_;
};

}  // namespace ddbm::aws
