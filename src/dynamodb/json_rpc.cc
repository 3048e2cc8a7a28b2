#include "dynamodb/json_rpc.h"

#include <isa-l/crc.h>

#include <charconv>

namespace ddbm::dynamodb {
namespace {

// Reads __type and message from an error body; tolerant of bodies that are not JSON at all
// (a proxy's HTML page, an empty 413), which become a message naming the status.
void ParseErrorBody(const std::string& body, aws::Error* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (body.empty() || parser.parse(body).get(root) != simdjson::SUCCESS || !root.is_object()) {
    error->message =
        body.empty() ? "empty error response" : "unreadable error response: " + body.substr(0, 200);
    return;
  }
  std::string_view type;
  if (root["__type"].get(type) == simdjson::SUCCESS) {
    const size_t hash = type.rfind('#');
    error->code = std::string(hash == std::string_view::npos ? type : type.substr(hash + 1));
  }
  std::string_view message;
  if (root["message"].get(message) == simdjson::SUCCESS ||
      root["Message"].get(message) == simdjson::SUCCESS) {
    error->message = std::string(message);
  }
}

}  // namespace

std::optional<aws::Error> DecodeJsonError(const aws::HttpResponse& response) {
  if (response.status < 200 || response.status >= 300) {
    aws::Error error;
    error.kind = aws::ErrorKind::kService;
    error.http_status = response.status;
    ParseErrorBody(response.body, &error);
    if (error.code.empty() && response.status == 413) {
      error.code = "RequestEntityTooLarge";
      error.message = "request body too large";
    }
    return error;
  }
  if (const std::string* crc_header = response.FindHeader("x-amz-crc32")) {
    uint64_t expected = 0;
    auto [ptr, ec] =
        std::from_chars(crc_header->data(), crc_header->data() + crc_header->size(), expected);
    // The CRC-32 of gzip and zlib; isa-l's is ten times faster than zlib's on every page.
    const uint32_t actual = crc32_gzip_refl(
        0, reinterpret_cast<const unsigned char*>(response.body.data()), response.body.size());
    if (ec != std::errc() || expected != actual) {
      aws::Error error = aws::Error::Make(
          aws::ErrorKind::kCorruption, "response body failed its CRC32 check (sent " + *crc_header +
                                           ", computed " + std::to_string(actual) +
                                           "); the answer was damaged in transit");
      error.http_status = response.status;
      return error;
    }
    return std::nullopt;
  }
  // No checksum to lean on: make sure the body is complete JSON before anyone trusts it.
  thread_local simdjson::dom::parser validator;
  simdjson::dom::element ignored;
  if (validator.parse(response.body).get(ignored) != simdjson::SUCCESS) {
    const size_t start = response.body.find_first_not_of(" \t\r\n");
    // (An empty body is an answer cut off before it began.)
    const bool json_start = start == std::string::npos || response.body[start] == '{';
    // An answer that is not even the start of a JSON object (an HTML page, say) is from
    // something other than the service.
    aws::Error error = aws::Error::Make(
        aws::ErrorKind::kCorruption,
        json_start ? "response body is not complete JSON (truncated?)"
                   : "the answer is not JSON, so not from the service; check that the endpoint "
                     "(--endpoint-url, or the profile's or environment's) is the service's");
    error.http_status = response.status;
    return error;
  }
  return std::nullopt;
}

aws::Result<aws::HttpResponse> JsonRpc::Call(std::string_view operation, std::string body) const {
  aws::HttpRequest request;
  request.method = "POST";
  request.url = "/";
  request.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
  request.headers.push_back({"X-Amz-Target", target_prefix_ + "." + std::string(operation)});
  request.body = std::move(body);
  return client_->Call(operation, std::move(request), DecodeJsonError);
}

simdjson::ondemand::parser& ThreadParser() {
  thread_local simdjson::ondemand::parser parser;
  return parser;
}

simdjson::simdjson_result<simdjson::ondemand::document> IterateBody(std::string& body) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  simdjson::ondemand::parser& parser = ThreadParser();
  if (parser.capacity() < body.size()) {
    // Grow in large steps: the parser otherwise reallocates for every slightly bigger page.
    constexpr size_t kStep = size_t{1} << 20;
    const size_t capacity = (body.size() + kStep - 1) / kStep * kStep;
    if (parser.allocate(capacity, parser.max_depth()) != simdjson::SUCCESS) {
      return simdjson::MEMALLOC;
    }
  }
  return parser.iterate(body.data(), body.size(), body.capacity());
}

aws::Error MalformedResponse(std::string_view operation, std::string_view detail) {
  aws::Error error =
      aws::Error::Make(aws::ErrorKind::kCorruption, "unexpected " + std::string(operation) +
                                                        " response: " + std::string(detail));
  error.service = "dynamodb";
  error.operation = std::string(operation);
  return error;
}

}  // namespace ddbm::dynamodb
