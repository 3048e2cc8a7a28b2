// ServiceClient: sends one AWS API call: resolves credentials, signs, sends through the
// Transport, decodes an error answer with the protocol's decoder, and retries per RetryPolicy.
// Protocol specifics (JSON 1.0 targets, query-string forms, XML errors) live in the callers.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/clock.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "aws/retry.h"
#include "aws/url.h"

namespace ddbm::aws {

// Turns an answer into an Error when it is one (non-2xx status, or a 2xx whose body fails an
// integrity check). Returns nullopt for a good answer. Must fill code, message, http_status and
// request_id where the answer has them; service and operation are filled in by the client.
using ErrorDecoder = std::function<std::optional<Error>(const HttpResponse&)>;

struct ServiceClientConfig {
  std::string service;       // name in messages, e.g. "dynamodb"
  std::string signing_name;  // SigV4 service name, e.g. "dynamodb", "sts"
  std::string region;
  Url endpoint;  // scheme, host, port; the request path is appended to its path
  // S3's variant of SigV4: the path is signed as sent (no dot-segment removal, encoded once) and
  // the body's SHA-256 is sent, signed, in x-amz-content-sha256.
  bool s3_signing = false;
  // Null means: send unsigned (e.g. AssumeRoleWithWebIdentity). Shared with other clients.
  std::shared_ptr<CredentialsProvider> credentials;
  Transport* transport = nullptr;  // not owned; must outlive the client
  Clock* clock = nullptr;          // not owned; must outlive the client
  RetryOptions retry;
  std::string user_agent = "ddbmigrate";
  // Not owned; may be null. Once it reads true (a stop was asked for), a retry still waiting
  // gives up: Call returns a kCancelled error naming the last failure instead of waiting on.
  // Without it a throttled call waits as long as the throttling lasts.
  const std::atomic<bool>* stop = nullptr;
  // When set, told one line per attempt (operation, status or error, time taken, request id).
  // Never given headers or bodies, so no secret can reach it. Must be thread-safe.
  std::function<void(const std::string&)> debug_log;
  // When set, told one line when an outage begins (a call goes on retrying through
  // retry.outage_window while no other call is) and one when it ends (the last such call
  // leaves the window, one of them having succeeded), in that order. Never given a secret.
  // Must be thread-safe.
  std::function<void(const std::string&)> notice;
  // When set, every call fails with it at once, nothing sent (an endpoint that could not be
  // chosen: see IsFipsRefusal); `endpoint` is then unused.
  std::optional<Error> refused;
};

// Sets config->endpoint to `resolved` (ResolveEndpoint's answer), or, when that is the FIPS
// refusal (IsFipsRefusal), config->refused to it, shown without its marker code; any other
// error is returned.
Status UseEndpoint(Result<Url> resolved, ServiceClientConfig* config);

// Counters a caller can read at any time (relaxed atomics); shared by every call of a client.
struct CallCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> throttles{0};
};

class ServiceClient {
 public:
  explicit ServiceClient(ServiceClientConfig config);

  // Sends `request` (its url holds only the path and query, e.g. "/" or "/?Action=X") to the
  // endpoint; a url starting with "http://" or "https://" is sent there as it is instead (S3's
  // virtual-hosted buckets live on a host of their own). Thread-safe. Retries per the policy;
  // the Error returned is the last one, with service and operation set (kCancelled, with the
  // last one's code and status, when the stop flag ended the retries), marked
  // earlier_sending_unanswered when a sending before the last one (a retry, or the transport's
  // own resend) may have been carried out unseen. A 2xx answer that `decode_error` accepts is
  // returned as is.
  Result<HttpResponse> Call(std::string_view operation, HttpRequest request,
                            const ErrorDecoder& decode_error) const;

  const ServiceClientConfig& config() const { return config_; }
  const RetryPolicy& retry_policy() const { return retry_; }
  const CallCounters& counters() const { return *counters_; }

 private:
  // Lends request.body to the signed copy for the attempt and gives it back before returning,
  // so that a body of many kilobytes is not copied for every attempt. Sets `*sent_at` to when
  // the request went to the transport (left alone when it failed before that).
  Result<HttpResponse> Attempt(std::string_view operation, HttpRequest& request,
                               const ErrorDecoder& decode_error, Clock::SteadyTime* sent_at) const;

  // What the retries of every call share: whether the service has answered this client (a
  // success or a throttle, which opens RetryOptions::outage_window), and the outage, if any.
  struct Outage {
    std::atomic<bool> answered{false};
    // A call failed without an answer before the service ever answered, and that was told.
    std::atomic<bool> unanswered_told{false};
    // Moves at the first success of any call during an outage: calls waiting in the window
    // retry then instead of sleeping out backoffs of up to max_delay (RetrySignals).
    std::atomic<uint64_t> recoveries{0};
    std::atomic<int> calls{0};  // calls retrying through the window now; changed under `mu`
    std::mutex mu;              // guards the fields below, and orders the notices
    bool recovered = false;     // `recoveries` moved for this outage already
    bool ended = false;         // a call in the window succeeded: the end is told
    Clock::SteadyTime since;    // where the window of the call that began the outage started
    Clock::SteadyTime entered;  // when that call entered the window
  };

  void NoteAnswered() const;
  // A call whose last attempt was sent at `sent` succeeded while calls were in the window: the
  // first such success of an outage moves `recoveries`, once, so that a request the service
  // keeps failing is not retried on every other call's success. One sent before the outage
  // began says nothing of its end, and is not counted.
  void NoteRecovery(Clock::SteadyTime sent) const;
  // A call entered the window, or left it (`ok`: with a success).
  void EnterOutage(const Error& error, const RetryState& state) const;
  void LeaveOutage(bool ok) const;

  ServiceClientConfig config_;
  RetryPolicy retry_;
  std::unique_ptr<CallCounters> counters_;
  std::unique_ptr<Outage> outage_;
};

}  // namespace ddbm::aws
