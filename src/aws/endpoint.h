// Where to send a service's requests, with the AWS CLI's precedence:
// --endpoint-url flag > AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > profile endpoint_url >
// the service's public regional endpoint.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/env.h"
#include "aws/error.h"
#include "aws/url.h"

namespace ddbm::aws {

struct EndpointInputs {
  // The service's endpoint prefix, e.g. "dynamodb", "streams.dynamodb", "sts", "s3".
  std::string endpoint_prefix;
  // The env var suffix for AWS_ENDPOINT_URL_<X>, e.g. "DYNAMODB", "DYNAMODB_STREAMS", "STS".
  std::string env_suffix;
  std::string region;
  std::optional<std::string> flag_url;     // --endpoint-url
  std::optional<std::string> profile_url;  // endpoint_url in the profile
};

// REQUIRES: env is not null. An override that is not an http(s) URL is kInvalidInput naming the
// source (flag, variable or profile) it came from.
Result<Url> ResolveEndpoint(const EndpointInputs& inputs, const Env& env);

}  // namespace ddbm::aws
