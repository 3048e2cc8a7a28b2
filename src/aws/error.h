// The one error type of ddbmigrate, and Result<T>, the value-or-error every fallible call returns.
//
// Expected failures (a throttled request, a missing table, a bad profile) are values of Error;
// exceptions are reserved for bugs and are caught only in main.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ddbm::aws {

enum class ErrorKind {
  kService,       // The service answered with an error (code, message, status, request id set).
  kTransport,     // No usable answer: connection refused or reset, timeout, DNS, TLS.
  kCorruption,    // An answer arrived but cannot be trusted: CRC mismatch, truncated or bad JSON.
  kInvalidInput,  // The user's input is wrong: flags, names, files, schemas.
  kUsage,         // The command line alone is wrong: flags that need or exclude one another, a
                  // flag value that cannot be read. Exit status 2, as for the parser's errors.
  kCredentials,   // No credentials could be found or obtained.
  kConfig,        // Config or credentials file is malformed, or a profile is missing.
  kCancelled,     // The caller asked to stop.
  kInternal,      // A bug or an impossible state.
};

const char* ErrorKindName(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string service;     // e.g. "dynamodb", "sts"; empty when not about a request
  std::string operation;   // e.g. "Scan", "AssumeRole"
  std::string code;        // AWS error code, e.g. "ProvisionedThroughputExceededException"
  std::string message;     // Human-readable; must never contain a secret.
  int http_status = 0;     // 0 when no HTTP answer was received
  std::string request_id;  // x-amzn-RequestId / x-amz-request-id when the service sent one
  // Set by the service through Retry-After; the retry policy waits at least this long.
  std::optional<std::chrono::milliseconds> retry_after;
  // Set on the error a call ends with when the same request had been sent before and that
  // sending went unanswered or failed in a way that does not rule out its being carried out
  // (no answer, a cut-off or corrupt one, a timeout, a 5xx): an error saying the change is
  // already made may then be about this call's own earlier sending.
  bool earlier_sending_unanswered = false;

  // One line: "dynamodb Scan: ResourceNotFoundException (HTTP 400): Requested resource not found
  // [request id ABC]".
  std::string ToString() const;

  // Appends advice to the message after "; ", or makes it the message when that is empty (an
  // answer without one), so that ToString never reads ": ; ...".
  void AddAdvice(std::string_view advice);

  static Error Make(ErrorKind kind, std::string message) {
    Error e;
    e.kind = kind;
    e.message = std::move(message);
    return e;
  }
};

// A service's error message made fit to print: on one line (a run of whitespace holding a line
// break or a tab becomes one space, and none is left at either end); cut before the canonical
// request and string to sign that AWS appends to signature errors (they quote the request's
// headers, the session token among them) and before any "x-amz-security-token:"; every
// occurrence of `secret` (when not empty) replaced by "[redacted]"; at most 1,000 bytes.
std::string PrintableServiceMessage(std::string_view message, std::string_view secret = {});

// Holds either a T or an Error. Accessing the wrong alternative is a bug (asserts).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(implicit)
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but may fail.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT(implicit)
  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

}  // namespace ddbm::aws
