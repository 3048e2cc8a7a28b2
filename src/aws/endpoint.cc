#include "aws/endpoint.h"

#include <cctype>

namespace ddbm::aws {
namespace {

constexpr char kFipsRefusal[] = "FipsEndpointNotChosen";

// `kind`: of the error when `text` is not a URL.
Result<Url> ParseOverride(const std::string& text, const std::string& source,
                          ErrorKind kind = ErrorKind::kInvalidInput) {
  Result<Url> url = ParseUrl(text);
  if (!url.ok()) {
    Error error = std::move(url).error();
    error.message = source + ": " + error.message;
    error.kind = kind;
    return error;
  }
  return url;
}

// As botocore reads such a setting: "true" in any case is true, any other value false.
std::optional<bool> Flag(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  std::string lower = *value;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "true";
}

}  // namespace

ConfiguredEndpoints ConfiguredEndpointsOf(const SharedConfig& config, std::string_view profile,
                                          const Env& env, std::string_view env_suffix) {
  ConfiguredEndpoints out;
  const std::optional<bool> from_env = Flag(env.Get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
  out.ignore = from_env
                   ? *from_env
                   : Flag(config.Get(profile, "ignore_configured_endpoint_urls")).value_or(false);
  std::string service(env_suffix);
  for (char& c : service) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Result<std::optional<std::string>> services_url = config.ServiceEndpoint(profile, service);
  if (services_url.ok()) {
    out.services_url = std::move(*services_url);
  } else {
    out.services_error = std::move(services_url).error();
  }
  out.profile_url = config.Get(profile, "endpoint_url");
  if (const std::optional<bool> fips_env = Flag(env.Get("AWS_USE_FIPS_ENDPOINT"))) {
    if (*fips_env) out.fips_setting = "AWS_USE_FIPS_ENDPOINT";
  } else if (Flag(config.Get(profile, "use_fips_endpoint")).value_or(false)) {
    out.fips_setting = "use_fips_endpoint of profile " + std::string(profile);
  }
  return out;
}

bool IsFipsRefusal(const Error& error) { return error.code == kFipsRefusal; }

Result<Url> ResolveEndpoint(const EndpointInputs& inputs, const Env& env) {
  if (inputs.flag_url) return ParseOverride(*inputs.flag_url, inputs.flag_name, ErrorKind::kUsage);
  const ConfiguredEndpoints& configured = inputs.configured;
  if (!configured.ignore) {
    const std::string service_var = "AWS_ENDPOINT_URL_" + inputs.env_suffix;
    if (auto value = env.Get(service_var)) return ParseOverride(*value, service_var);
    if (auto value = env.Get("AWS_ENDPOINT_URL")) return ParseOverride(*value, "AWS_ENDPOINT_URL");
    if (configured.services_error) return *configured.services_error;
    if (configured.services_url) {
      return ParseOverride(*configured.services_url,
                           "endpoint_url of the profile's services section");
    }
    if (configured.profile_url)
      return ParseOverride(*configured.profile_url, "profile endpoint_url");
  }
  if (inputs.region.empty()) {
    return Error::Make(ErrorKind::kConfig,
                       "no region: pass --region, set AWS_REGION, or add region to the profile");
  }
  if (!configured.fips_setting.empty()) {
    Error error =
        Error::Make(ErrorKind::kConfig,
                    configured.fips_setting +
                        " asks for FIPS endpoints, which ddbmigrate does "
                        "not choose itself: pass the " +
                        inputs.endpoint_prefix + " FIPS endpoint with " +
                        (inputs.flag_name.empty() ? "" : inputs.flag_name + " or ") +
                        "AWS_ENDPOINT_URL_" + inputs.env_suffix + ", or turn the setting off");
    error.code = kFipsRefusal;  // a marker for IsFipsRefusal; cleared where the error is shown
    return error;
  }
  const bool china = inputs.region.starts_with("cn-");
  return ParseUrl("https://" + inputs.endpoint_prefix + "." + inputs.region +
                  (china ? ".amazonaws.com.cn" : ".amazonaws.com"));
}

}  // namespace ddbm::aws
