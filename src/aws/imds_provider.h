// Credentials of the EC2 instance profile, from the instance metadata service (IMDSv2).
#pragma once

#include <string>

#include "aws/credentials.h"
#include "aws/env.h"
#include "aws/http.h"

namespace ddbm::aws {

// True unless AWS_EC2_METADATA_DISABLED is "true" (any case).
bool InstanceMetadataEnabled(const Env& env);

// AWS_EC2_METADATA_SERVICE_ENDPOINT (trailing '/' removed), else http://[fd00:ec2::254] when
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is "IPv6", else http://169.254.169.254.
std::string InstanceMetadataEndpoint(const Env& env);

// On every call: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds: 21600), then with
// that token GET /latest/meta-data/iam/security-credentials/ for the role name and GET the role's
// document. A token answer of 403, 404 or 405 falls back to IMDSv1 (no token) like the AWS CLI,
// unless AWS_EC2_METADATA_V1_DISABLED is "true". One attempt per request and no retry loop: a
// host off EC2 should fail fast, so give it a transport with a short (about 1 s) connect timeout.
// Errors are kCredentials and never quote an answer. Source "ec2-imds ROLE". Thread-safe.
// REQUIRES: `env` and `transport` outlive the provider.
class InstanceMetadataProvider final : public CredentialsProvider {
 public:
  InstanceMetadataProvider(const Env* env, Transport* transport)
      : env_(env), transport_(transport) {}
  Result<Credentials> GetCredentials() override;

 private:
  const Env* env_;
  Transport* transport_;
};

}  // namespace ddbm::aws
