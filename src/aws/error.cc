#include "aws/error.h"

#include <algorithm>

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
    case ErrorKind::kUsage:
      return "usage error";
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

std::string PrintableServiceMessage(std::string_view message, std::string_view secret) {
  const bool had_text = message.find_first_not_of(" \t\r\n\f\v") != std::string_view::npos;
  for (std::string_view tail : {"The Canonical String for this request",
                                "The String-to-Sign should have been", "x-amz-security-token:"}) {
    if (const size_t at = message.find(tail); at != std::string_view::npos) {
      message = message.substr(0, at);
    }
  }
  std::string out;
  out.reserve(std::min<size_t>(message.size(), 1000));
  // A run of blanks is kept as it is, unless it holds a line break or another control
  // character: then it becomes one space.
  std::string run;
  bool control = false;
  for (const char c : message) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      run += c;
      control = control || c != ' ';
      continue;
    }
    if (!out.empty()) out += control ? std::string(" ") : run;
    run.clear();
    control = false;
    out += c;
  }
  if (out.empty() && had_text) out = "(the message quoted the signed request and is not shown)";
  if (!secret.empty()) {
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at)) {
      out.replace(at, secret.size(), "[redacted]");
    }
  }
  if (out.size() > 1000) {
    size_t cut = 1000;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

void Error::AddAdvice(std::string_view advice) {
  if (!message.empty()) message += "; ";
  message += advice;
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
