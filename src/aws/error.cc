#include "aws/error.h"

namespace ddbm::aws {

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kService:
      return "service error";
    case ErrorKind::kTransport:
      return "transport error";
    case ErrorKind::kCorruption:
      return "corrupt response";
    case ErrorKind::kInvalidInput:
      return "invalid input";
    case ErrorKind::kCredentials:
      return "credentials error";
    case ErrorKind::kConfig:
      return "configuration error";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kInternal:
      return "internal error";
  }
  return "error";
}

std::string Error::ToString() const {
  std::string out;
  if (!service.empty()) {
    out += service;
    if (!operation.empty()) out += " " + operation;
    out += ": ";
  }
  if (!code.empty()) {
    out += code;
    if (http_status != 0) out += " (HTTP " + std::to_string(http_status) + ")";
    if (!message.empty()) out += ": ";
  } else if (http_status != 0) {
    out += "HTTP " + std::to_string(http_status) + ": ";
  }
  out += message;
  if (!request_id.empty()) out += " [request id " + request_id + "]";
  return out;
}

}  // namespace ddbm::aws
