// The AWS JSON 1.0 protocol as DynamoDB and DynamoDB Streams speak it: POST / with
// X-Amz-Target "<prefix>.<Operation>", errors as {"__type": "...#Code", "message": "..."},
// and an x-amz-crc32 header over the body that is checked when present.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "aws/service_client.h"

namespace ddbm::dynamodb {

inline constexpr std::string_view kDynamoDbTargetPrefix = "DynamoDB_20120810";
inline constexpr std::string_view kStreamsTargetPrefix = "DynamoDBStreams_20120810";

class JsonRpc {
 public:
  // `client` must outlive this object.
  JsonRpc(const aws::ServiceClient* client, std::string_view target_prefix)
      : client_(client), target_prefix_(target_prefix) {}

  // Sends `body` as operation `operation`; returns the 2xx answer whose body is intact (CRC32
  // matched, or when the service sent none, the body is well-formed JSON). Thread-safe.
  aws::Result<aws::HttpResponse> Call(std::string_view operation, std::string body) const;

  const aws::ServiceClient& client() const { return *client_; }

 private:
  const aws::ServiceClient* client_;
  std::string target_prefix_;
};

// Decodes an answer per the JSON 1.0 protocol (see above). Exposed for tests.
std::optional<aws::Error> DecodeJsonError(const aws::HttpResponse& response);

// A per-thread on-demand parser, reused across calls. The document it returns borrows both the
// parser and `body`; use it before the next call on this thread.
simdjson::ondemand::parser& ThreadParser();

// Starts on-demand iteration of a response body in place (the transport left padding room).
// `body` must stay alive and unmodified while the document is used.
simdjson::simdjson_result<simdjson::ondemand::document> IterateBody(std::string& body);

// simdjson's raw_json() of an object ends where the next token starts, so it includes any
// whitespace after the closing brace; this drops that whitespace.
inline std::string_view TrimTrailingJsonSpace(std::string_view raw) {
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  return raw;
}

// A kCorruption error for a body that does not have the shape `operation` promises.
aws::Error MalformedResponse(std::string_view operation, std::string_view detail);

}  // namespace ddbm::dynamodb
