// HTTP request/response values and Transport, the seam between the AWS layer and the network.
// The real transport is curl_transport.h; tests use testing/scripted_transport.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"

namespace ddbm::aws {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // Absolute: scheme://host[:port]/path[?query]; path and query already encoded.
  std::vector<HttpHeader> headers;
  std::string body;

  // Replaces every header named `name` (case-insensitive) with one holding `value`.
  void SetHeader(std::string_view name, std::string value);
  // First header named `name` (case-insensitive), or nullptr.
  const std::string* FindHeader(std::string_view name) const;
};

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;  // Names as received; look up with FindHeader.
  // The body. Transports reserve kBodyPadding spare bytes of capacity so that a JSON parser
  // needing padding can read it in place without a copy.
  std::string body;
  // Set by a transport that had to send the request again to get this answer, because an
  // earlier sending was met with a closed connection and no byte of an answer: the server may
  // have received that sending and carried it out.
  bool sent_again = false;

  const std::string* FindHeader(std::string_view name) const;
};

inline constexpr size_t kBodyPadding = 64;

// How a kTransport error's message begins when the request was sent on a connection but no
// answer came before the request's deadline (the server may be there, its answer lost).
inline constexpr std::string_view kNoAnswerInTime = "timed out waiting for the answer";

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one request and returns the full response; HTTP error statuses are responses, not
  // errors. A connection failure, reset or timeout is an Error of kind kTransport (a sent
  // request left unanswered: message beginning with kNoAnswerInTime).
  // Thread-safe: many threads may call Send at once, each request uses its own connection.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace ddbm::aws
