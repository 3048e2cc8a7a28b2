#include "aws/endpoint.h"

namespace ddbm::aws {
namespace {

Result<Url> ParseOverride(const std::string& text, const std::string& source) {
  Result<Url> url = ParseUrl(text);
  if (!url.ok()) {
    Error error = std::move(url).error();
    error.message = source + ": " + error.message;
    return error;
  }
  return url;
}

}  // namespace

Result<Url> ResolveEndpoint(const EndpointInputs& inputs, const Env& env) {
  if (inputs.flag_url) return ParseOverride(*inputs.flag_url, "--endpoint-url");
  const std::string service_var = "AWS_ENDPOINT_URL_" + inputs.env_suffix;
  if (auto value = env.Get(service_var)) return ParseOverride(*value, service_var);
  if (auto value = env.Get("AWS_ENDPOINT_URL")) return ParseOverride(*value, "AWS_ENDPOINT_URL");
  if (inputs.profile_url) return ParseOverride(*inputs.profile_url, "profile endpoint_url");
  if (inputs.region.empty()) {
    return Error::Make(ErrorKind::kConfig,
                       "no region: pass --region, set AWS_REGION, or add region to the profile");
  }
  const bool china = inputs.region.starts_with("cn-");
  return ParseUrl("https://" + inputs.endpoint_prefix + "." + inputs.region +
                  (china ? ".amazonaws.com.cn" : ".amazonaws.com"));
}

}  // namespace ddbm::aws
