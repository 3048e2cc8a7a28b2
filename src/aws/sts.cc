#include "aws/sts.h"

#include <tinyxml2.h>

#include <initializer_list>

#include "aws/endpoint.h"
#include "aws/iso8601.h"
#include "aws/url.h"

namespace ddbm::aws {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// The element reached from `from` through children named `path`, or nullptr.
const tinyxml2::XMLElement* Find(const tinyxml2::XMLElement* from,
                                 std::initializer_list<const char*> path) {
  for (const char* name : path) {
    if (from == nullptr) return nullptr;
    from = from->FirstChildElement(name);
  }
  return from;
}

std::string Text(const tinyxml2::XMLElement* element) {
  const char* text = element == nullptr ? nullptr : element->GetText();
  return text == nullptr ? std::string() : std::string(text);
}

bool ParseXml(tinyxml2::XMLDocument& doc, const std::string& body) {
  return doc.Parse(body.data(), body.size()) == tinyxml2::XML_SUCCESS &&
         doc.RootElement() != nullptr;
}

Error Corrupt(std::string_view operation, const std::string& what) {
  Error error = Error::Make(ErrorKind::kCorruption, "the answer " + what);
  error.service = "sts";
  error.operation = std::string(operation);
  return error;
}

// Reads <OPResponse><OPResult>...</OPResult></OPResponse>'s result element.
Result<const tinyxml2::XMLElement*> ResultElement(const tinyxml2::XMLDocument& doc,
                                                  std::string_view operation) {
  const std::string response_name = std::string(operation) + "Response";
  const std::string result_name = std::string(operation) + "Result";
  const tinyxml2::XMLElement* root = doc.RootElement();
  if (root == nullptr || response_name != root->Name()) {
    return Corrupt(operation, "is not an " + response_name + " document");
  }
  const tinyxml2::XMLElement* result = root->FirstChildElement(result_name.c_str());
  if (result == nullptr) return Corrupt(operation, "lacks " + result_name);
  return result;
}

Result<AssumedRole> ParseAssumedRole(const std::string& body, std::string_view operation,
                                     const std::string& source) {
  tinyxml2::XMLDocument doc;
  if (!ParseXml(doc, body)) return Corrupt(operation, "is not well-formed XML");
  Result<const tinyxml2::XMLElement*> result = ResultElement(doc, operation);
  if (!result.ok()) return std::move(result).error();
  const tinyxml2::XMLElement* credentials = Find(*result, {"Credentials"});
  AssumedRole role;
  role.credentials.access_key_id = Text(Find(credentials, {"AccessKeyId"}));
  role.credentials.secret_access_key = Text(Find(credentials, {"SecretAccessKey"}));
  role.credentials.session_token = Text(Find(credentials, {"SessionToken"}));
  const std::string expiration = Text(Find(credentials, {"Expiration"}));
  if (role.credentials.access_key_id.empty() || role.credentials.secret_access_key.empty() ||
      role.credentials.session_token.empty()) {
    return Corrupt(operation, "lacks Credentials (AccessKeyId, SecretAccessKey, SessionToken)");
  }
  role.credentials.expiration = ParseIso8601(expiration);
  if (!role.credentials.expiration) {
    return Corrupt(operation, "lacks a valid Credentials/Expiration time");
  }
  role.credentials.source = source;
  role.assumed_role_arn = Text(Find(*result, {"AssumedRoleUser", "Arn"}));
  role.assumed_role_id = Text(Find(*result, {"AssumedRoleUser", "AssumedRoleId"}));
  return role;
}

void AddOptional(Fields& fields, const char* name, const std::optional<int>& value) {
  if (value) fields.emplace_back(name, std::to_string(*value));
}

}  // namespace

std::string FormEncode(const Fields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += UriEncode(name);
    out += '=';
    out += UriEncode(value);
  }
  return out;
}

std::optional<Error> DecodeStsError(const HttpResponse& response) {
  tinyxml2::XMLDocument doc;
  const bool parsed = ParseXml(doc, response.body);
  if (response.status >= 200 && response.status < 300) {
    if (parsed) return std::nullopt;
    Error error = Error::Make(ErrorKind::kCorruption, "the answer is not well-formed XML");
    error.http_status = response.status;
    return error;
  }
  Error error = Error::Make(ErrorKind::kService, "");
  error.http_status = response.status;
  const tinyxml2::XMLElement* root = parsed ? doc.RootElement() : nullptr;
  // <ErrorResponse><Error>..</Error><RequestId>..</RequestId></ErrorResponse>; some proxies send
  // a bare <Error> root.
  const tinyxml2::XMLElement* detail =
      root == nullptr ? nullptr
                      : (std::string_view(root->Name()) == "Error" ? root : Find(root, {"Error"}));
  if (detail != nullptr) {
    error.code = Text(Find(detail, {"Code"}));
    error.message = Text(Find(detail, {"Message"}));
    error.request_id = Text(Find(root, {"RequestId"}));
    if (error.request_id.empty()) error.request_id = Text(Find(detail, {"RequestId"}));
  }
  if (error.code.empty() && error.message.empty()) {
    error.message = "the answer has no XML error body";
  }
  return error;
}

Result<ServiceClientConfig> StsClientConfig(const std::string& region, const Env& env,
                                            const ConfiguredEndpoints& configured,
                                            std::shared_ptr<CredentialsProvider> credentials,
                                            Transport* transport, Clock* clock) {
  EndpointInputs inputs;
  inputs.endpoint_prefix = "sts";
  inputs.env_suffix = "STS";
  inputs.flag_name.clear();  // no flag names STS's endpoint
  inputs.region = region;
  inputs.configured = configured;
  Result<Url> endpoint = ResolveEndpoint(inputs, env);
  ServiceClientConfig config;
  if (Status s = UseEndpoint(std::move(endpoint), &config); !s.ok()) return std::move(s).error();
  config.service = "sts";
  config.signing_name = "sts";
  config.region = region;
  config.credentials = std::move(credentials);
  config.transport = transport;
  config.clock = clock;
  return config;
}

Result<HttpResponse> StsClient::Post(std::string_view action, Fields fields) const {
  fields.insert(fields.begin(), {{"Action", std::string(action)}, {"Version", kStsApiVersion}});
  HttpRequest request;
  request.method = "POST";
  request.url = "/";
  request.body = FormEncode(fields);
  request.SetHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  return client_.Call(action, std::move(request), DecodeStsError);
}

Result<AssumedRole> StsClient::AssumeRole(const AssumeRoleParams& params) const {
  Fields fields = {{"RoleArn", params.role_arn}, {"RoleSessionName", params.role_session_name}};
  if (params.external_id) fields.emplace_back("ExternalId", *params.external_id);
  AddOptional(fields, "DurationSeconds", params.duration_seconds);
  Result<HttpResponse> response = Post("AssumeRole", std::move(fields));
  if (!response.ok()) return std::move(response).error();
  return ParseAssumedRole(response->body, "AssumeRole", "assume-role " + params.role_arn);
}

Result<AssumedRole> StsClient::AssumeRoleWithWebIdentity(
    const AssumeRoleWithWebIdentityParams& params) const {
  Fields fields = {{"RoleArn", params.role_arn},
                   {"RoleSessionName", params.role_session_name},
                   {"WebIdentityToken", params.web_identity_token}};
  AddOptional(fields, "DurationSeconds", params.duration_seconds);
  Result<HttpResponse> response = Post("AssumeRoleWithWebIdentity", std::move(fields));
  if (!response.ok()) return std::move(response).error();
  return ParseAssumedRole(response->body, "AssumeRoleWithWebIdentity",
                          "web-identity " + params.role_arn);
}

Result<CallerIdentity> StsClient::GetCallerIdentity() const {
  Result<HttpResponse> response = Post("GetCallerIdentity", {});
  if (!response.ok()) return std::move(response).error();
  tinyxml2::XMLDocument doc;
  if (!ParseXml(doc, response->body)) {
    return Corrupt("GetCallerIdentity", "is not well-formed XML");
  }
  Result<const tinyxml2::XMLElement*> result = ResultElement(doc, "GetCallerIdentity");
  if (!result.ok()) return std::move(result).error();
  CallerIdentity identity;
  identity.account = Text(Find(*result, {"Account"}));
  identity.arn = Text(Find(*result, {"Arn"}));
  identity.user_id = Text(Find(*result, {"UserId"}));
  if (identity.account.empty() || identity.arn.empty()) {
    return Corrupt("GetCallerIdentity", "lacks Account or Arn");
  }
  return identity;
}

}  // namespace ddbm::aws
