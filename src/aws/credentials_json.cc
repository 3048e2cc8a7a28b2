#include "aws/credentials_json.h"

#include <simdjson.h>

#include "aws/iso8601.h"

namespace ddbm::aws {

Result<Credentials> ParseCredentialsJson(std::string_view json, CredentialsJsonFormat format,
                                         const std::string& source) {
  auto fail = [&](const std::string& what) {
    return Error::Make(ErrorKind::kCredentials,
                       source + " returned unusable credentials: " + what +
                           " (the answer is not shown because it may hold secrets)");
  };
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(json)).get(root) != simdjson::SUCCESS) {
    return fail("not valid JSON");
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return fail("not a JSON object");

  // A string field; absent is nullopt, any other type is an error.
  auto text = [&](const char* name, bool& bad) -> std::optional<std::string> {
    simdjson::dom::element field;
    if (object[name].get(field) != simdjson::SUCCESS || field.is_null()) return std::nullopt;
    std::string_view value;
    if (field.get_string().get(value) != simdjson::SUCCESS) {
      bad = true;
      return std::nullopt;
    }
    return std::string(value);
  };
  bool bad = false;

  if (format == CredentialsJsonFormat::kProcess) {
    int64_t version = 0;
    if (object["Version"].get_int64().get(version) != simdjson::SUCCESS || version != 1) {
      return fail("\"Version\" must be the number 1");
    }
  }
  if (format == CredentialsJsonFormat::kInstanceMetadata) {
    auto code = text("Code", bad);
    if (bad || (code && *code != "Success")) {
      return fail("\"Code\" is " + (code ? "\"" + *code + "\"" : std::string("not a string")) +
                  ", not \"Success\"");
    }
  }

  Credentials credentials;
  credentials.source = source;
  auto access_key = text("AccessKeyId", bad);
  if (bad || !access_key || access_key->empty()) return fail("no \"AccessKeyId\" string");
  auto secret = text("SecretAccessKey", bad);
  if (bad || !secret || secret->empty()) return fail("no \"SecretAccessKey\" string");
  const char* token_field = format == CredentialsJsonFormat::kProcess ? "SessionToken" : "Token";
  auto token = text(token_field, bad);
  if (bad) return fail(std::string("\"") + token_field + "\" is not a string");
  auto expiration = text("Expiration", bad);
  if (bad) return fail("\"Expiration\" is not a string");
  credentials.access_key_id = std::move(*access_key);
  credentials.secret_access_key = std::move(*secret);
  if (token) credentials.session_token = std::move(*token);
  if (expiration) {
    credentials.expiration = ParseIso8601(*expiration);
    if (!credentials.expiration) {
      return fail("\"Expiration\" is not an ISO 8601 time such as 2024-01-02T03:04:05Z");
    }
  }
  if (format != CredentialsJsonFormat::kProcess && !credentials.expiration) {
    return fail("no \"Expiration\"");
  }
  return credentials;
}

}  // namespace ddbm::aws
