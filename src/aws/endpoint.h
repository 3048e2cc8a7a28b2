// Where to send a service's requests, with the AWS CLI's precedence:
// --endpoint-url flag > AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > the service's endpoint_url
// in the profile's services section > profile endpoint_url > the service's public regional
// endpoint; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
// ignore_configured_endpoint_urls) leaves only the flag.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/config_file.h"
#include "aws/env.h"
#include "aws/error.h"
#include "aws/url.h"

namespace ddbm::aws {

// The endpoint overrides the environment and the shared config give one service.
struct ConfiguredEndpoints {
  std::optional<std::string> services_url;  // its endpoint_url in the profile's services section
  // Why the services section could not be read (the profile names a missing one): an error only
  // when the endpoint is looked for there.
  std::optional<Error> services_error;
  std::optional<std::string> profile_url;  // endpoint_url in the profile
  // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's ignore_configured_endpoint_urls: the
  // variables and the config's URLs are ignored, only the flag overrides.
  bool ignore = false;
  // AWS_USE_FIPS_ENDPOINT, else the profile's use_fips_endpoint, read as the ignore settings
  // are: the name of the setting that asked for FIPS endpoints, empty when none did.
  std::string fips_setting;
};

// The ConfiguredEndpoints of `profile` for the service whose AWS_ENDPOINT_URL_ suffix is
// `env_suffix` (its services-section key is the suffix in lower case). The ignore settings are
// read as botocore reads them: "true" (any case) is true, anything else false.
ConfiguredEndpoints ConfiguredEndpointsOf(const SharedConfig& config, std::string_view profile,
                                          const Env& env, std::string_view env_suffix);

struct EndpointInputs {
  // The service's endpoint prefix, e.g. "dynamodb", "streams.dynamodb", "sts", "s3".
  std::string endpoint_prefix;
  // The env var suffix for AWS_ENDPOINT_URL_<X>, e.g. "DYNAMODB", "DYNAMODB_STREAMS", "STS".
  std::string env_suffix;
  std::string region;
  std::optional<std::string> flag_url;       // from a command-line flag
  std::string flag_name = "--endpoint-url";  // that flag, for messages
  ConfiguredEndpoints configured;
};

// In the order above. ddbmigrate does not pick FIPS endpoints itself: when configured.fips_setting
// asks for them and nothing overrides the endpoint, the result is kConfig telling to pass the
// service's FIPS endpoint, not the non-FIPS regional endpoint. REQUIRES: env is not null. An
// override that is not an http(s) URL is kInvalidInput naming the source (flag, variable or
// profile) it came from.
Result<Url> ResolveEndpoint(const EndpointInputs& inputs, const Env& env);

// Whether `error` (from ResolveEndpoint) is that FIPS refusal, marked by its code (clear it
// before showing the error). A client is still made without an endpoint then, its calls failing
// with the error (ServiceClientConfig::refused): a command needs FIPS endpoints for the services
// it calls, not for every one it could.
bool IsFipsRefusal(const Error& error);

}  // namespace ddbm::aws
