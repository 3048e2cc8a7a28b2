// Providers of long-term or fixed credentials: given values (flags, a profile's keys) and the
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN variables.
#pragma once

#include "aws/credentials.h"
#include "aws/env.h"

namespace ddbm::aws {

// Always returns the credentials it was built with. Thread-safe.
class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials credentials) : credentials_(std::move(credentials)) {}
  Result<Credentials> GetCredentials() override { return credentials_; }

 private:
  const Credentials credentials_;
};

// True when AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is set (complete or not).
bool HasEnvironmentCredentials(const Env& env);

// Reads the variables on every call. AWS_SECURITY_TOKEN is accepted for AWS_SESSION_TOKEN, as
// the AWS CLI does. Only one of the key pair set is kCredentials naming the missing variable;
// neither set is kCredentials. Source "env". Thread-safe.
// REQUIRES: `env` outlives the provider.
class EnvironmentProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(const Env* env) : env_(env) {}
  Result<Credentials> GetCredentials() override;

 private:
  const Env* env_;
};

}  // namespace ddbm::aws
