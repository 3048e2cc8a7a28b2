#include "aws/service_client.h"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "aws/endpoint.h"
#include "aws/iso8601.h"
#include "aws/sigv4.h"

namespace ddbm::aws {
namespace {

std::optional<std::chrono::milliseconds> ParseRetryAfter(const HttpResponse& response) {
  const std::string* value = response.FindHeader("retry-after");
  if (value == nullptr) return std::nullopt;
  // Only the delta-seconds form; an HTTP date is rare from AWS and safely ignored.
  int seconds = 0;
  auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), seconds);
  if (ec != std::errc() || seconds < 0) return std::nullopt;
  return std::chrono::milliseconds(int64_t{seconds} * 1000);
}

std::string RequestId(const HttpResponse& response) {
  for (const char* name : {"x-amzn-requestid", "x-amz-request-id"}) {
    if (const std::string* v = response.FindHeader(name)) return *v;
  }
  return {};
}

// A request signed too far from the service's time (SigV4 allows 5 minutes; S3 15) is refused
// with one of these codes; the answer's Date header then says how far off this host's clock is.
// Returns the advice to add to the error, or nothing when the clock is not the cause. (From S3,
// SignatureDoesNotMatch means a wrong key: its clock refusal is RequestTimeTooSkewed.)
std::string ClockSkewAdvice(std::string_view service, const Error& error,
                            const HttpResponse& response, Clock::WallTime now) {
  const bool s3 = service == "s3";
  constexpr std::string_view kCodes[] = {"InvalidSignatureException", "SignatureDoesNotMatch",
                                         "RequestTimeTooSkewed", "RequestExpired"};
  if (std::find(std::begin(kCodes), std::end(kCodes), error.code) == std::end(kCodes) ||
      (s3 && error.code == "SignatureDoesNotMatch")) {
    return {};
  }
  const std::string* date = response.FindHeader("date");
  const std::optional<int64_t> service_time = date ? ParseHttpDateSeconds(*date) : std::nullopt;
  if (!service_time) return {};
  const int64_t ahead = EpochSeconds(now) - *service_time;
  // Refused within a minute of the service's allowance, the clock is not the only suspect.
  const int64_t allowed =
      std::chrono::seconds(s3 ? sigv4::kS3ClockSkewAllowed : sigv4::kClockSkewAllowed).count() - 60;
  if (ahead > -allowed && ahead < allowed) return {};  // another cause
  return "this host's clock is " + std::to_string(ahead > 0 ? ahead : -ahead) + " s " +
         (ahead > 0 ? "ahead of" : "behind") +
         " the service's, by its answer's Date header: set it right, e.g. with NTP";
}

bool IsAbsolute(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

}  // namespace

Status UseEndpoint(Result<Url> resolved, ServiceClientConfig* config) {
  if (resolved.ok()) {
    config->endpoint = std::move(*resolved);
  } else if (IsFipsRefusal(resolved.error())) {
    config->refused = std::move(resolved).error();
    config->refused->code.clear();
  } else {
    return std::move(resolved).error();
  }
  return Status::Ok();
}

ServiceClient::ServiceClient(ServiceClientConfig config)
    : config_(std::move(config)),
      retry_(config_.retry, config_.clock),
      counters_(std::make_unique<CallCounters>()),
      outage_(std::make_unique<Outage>()) {}

Result<HttpResponse> ServiceClient::Call(std::string_view operation, HttpRequest request,
                                         const ErrorDecoder& decode_error) const {
  if (config_.refused) {
    Error error = *config_.refused;
    error.service = config_.service;
    error.operation = std::string(operation);
    return error;
  }
  bool in_outage = false;
  bool unanswered = false;  // an attempt retried so far may have been carried out
  Clock::SteadyTime last_sent;
  Result<HttpResponse> result = RunWithRetry<HttpResponse>(
      retry_, [&] { return Attempt(operation, request, decode_error, &last_sent); },
      [&](const Error& error, const RetryState& state) {
        counters_->retries.fetch_add(1, std::memory_order_relaxed);
        // A throttle or a final answer means the request was not carried out; anything else
        // retryable does not say.
        if (ClassifyError(error) == RetryClass::kTransient || error.earlier_sending_unanswered) {
          unanswered = true;
        }
        if (IsThrottle(error)) {
          counters_->throttles.fetch_add(1, std::memory_order_relaxed);
          NoteAnswered();
        }
        // Silence while an endpoint never answers would last max_attempts request timeouts:
        // say once that it is being retried. (Quick failures, such as a refused connection,
        // end soon enough with their own error.)
        if (error.kind == ErrorKind::kTransport && config_.notice &&
            error.message.find("timed out") != std::string::npos &&
            !outage_->answered.load(std::memory_order_relaxed) &&
            !outage_->unanswered_told.exchange(true)) {
          config_.notice(error.ToString() + "; no answer from " + config_.endpoint.Authority() +
                         " yet: retrying, up to " + std::to_string(retry_.options().max_attempts) +
                         " attempts in all");
        }
        if (!in_outage && state.InOutageWindow(error)) {
          in_outage = true;
          EnterOutage(error, state);
        }
      },
      RetrySignals{.stop = config_.stop,
                   .answered = &outage_->answered,
                   .recoveries = &outage_->recoveries});
  if (result.ok()) {
    NoteAnswered();
    if (outage_->calls.load(std::memory_order_relaxed) > 0) NoteRecovery(last_sent);
  }
  if (in_outage) LeaveOutage(result.ok());
  if (!result.ok() && unanswered && !result.error().earlier_sending_unanswered) {
    Error error = std::move(result).error();
    error.earlier_sending_unanswered = true;
    return error;
  }
  return result;
}

void ServiceClient::NoteAnswered() const {
  // Loads first: every call of every thread passes here, and a store would bounce the line.
  if (!outage_->answered.load(std::memory_order_relaxed)) {
    outage_->answered.store(true, std::memory_order_relaxed);
  }
}

void ServiceClient::NoteRecovery(Clock::SteadyTime sent) const {
  std::lock_guard lock(outage_->mu);
  if (outage_->calls.load(std::memory_order_relaxed) == 0 || outage_->recovered ||
      sent < outage_->entered) {
    return;
  }
  outage_->recovered = true;
  outage_->recoveries.fetch_add(1, std::memory_order_relaxed);
}

void ServiceClient::EnterOutage(const Error& error, const RetryState& state) const {
  std::lock_guard lock(outage_->mu);
  if (outage_->calls.fetch_add(1, std::memory_order_relaxed) > 0) return;
  outage_->recovered = false;
  outage_->ended = false;
  outage_->entered = config_.clock->SteadyNow();
  outage_->since = state.window_started();
  if (!config_.notice) return;
  const auto window =
      std::chrono::duration_cast<std::chrono::seconds>(retry_.options().outage_window).count();
  config_.notice(error.ToString() + "; still failing after " +
                 std::to_string(state.attempts() - state.throttles()) + " attempts, but " +
                 config_.endpoint.Authority() +
                 " answered before: each call is retried for up to " + std::to_string(window) +
                 " s");
}

void ServiceClient::LeaveOutage(bool ok) const {
  std::lock_guard lock(outage_->mu);
  // The last call to leave ends the outage. Its end is told when a call in it succeeded: when
  // all gave up (stopped, or out of window), each caller reports its own error.
  if (ok) outage_->ended = true;
  if (outage_->calls.fetch_sub(1, std::memory_order_relaxed) > 1 || !outage_->ended ||
      !config_.notice) {
    return;
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(config_.clock->SteadyNow() - outage_->since)
          .count();
  config_.notice(config_.service + " at " + config_.endpoint.Authority() +
                 " answers again, after " + std::to_string(seconds) + " s of failures");
}

Result<HttpResponse> ServiceClient::Attempt(std::string_view operation, HttpRequest& request,
                                            const ErrorDecoder& decode_error,
                                            Clock::SteadyTime* sent_at) const {
  auto tag = [&](Error error) {
    error.service = config_.service;
    error.operation = std::string(operation);
    return error;
  };
  HttpRequest signed_request;
  signed_request.method = request.method;
  signed_request.url = request.url;
  signed_request.headers = request.headers;
  signed_request.body = std::move(request.body);
  struct GiveBodyBack {
    HttpRequest& from;
    HttpRequest& to;
    ~GiveBodyBack() { to.body = std::move(from.body); }
  } give_back{signed_request, request};
  if (IsAbsolute(request.url)) {
    Result<Url> url = ParseUrl(request.url);
    if (!url.ok()) return tag(std::move(url).error());
    signed_request.SetHeader("Host", url->Authority());
  } else {
    std::string base = config_.endpoint.Origin();
    if (config_.endpoint.path != "/") {
      base += config_.endpoint.path;
      if (base.back() == '/') base.pop_back();
    }
    signed_request.url = base + request.url;
    signed_request.SetHeader("Host", config_.endpoint.Authority());
  }
  if (signed_request.FindHeader("User-Agent") == nullptr) {
    signed_request.SetHeader("User-Agent", config_.user_agent);
  }
  if (config_.credentials) {
    Result<Credentials> credentials = config_.credentials->GetCredentials();
    if (!credentials.ok()) {
      // Final for this call: a provider that calls a service (STS) retried through a client of
      // its own with this same policy, and each attempt here would start another round of it.
      Error error = std::move(credentials).error();
      if (error.kind != ErrorKind::kCancelled) error.kind = ErrorKind::kCredentials;
      return error.service.empty() ? tag(std::move(error)) : error;
    }
    sigv4::SigningParams params;
    params.region = config_.region;
    params.service = config_.signing_name;
    params.time = config_.clock->Now();
    params.normalize_path = !config_.s3_signing;
    params.add_content_sha256_header = config_.s3_signing;
    sigv4::SignRequest(signed_request, *credentials, params);
  }
  counters_->requests.fetch_add(1, std::memory_order_relaxed);
  const Clock::SteadyTime sent = config_.clock->SteadyNow();
  *sent_at = sent;
  auto log = [&](const std::string& outcome) {
    if (!config_.debug_log) return;
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(config_.clock->SteadyNow() - sent)
            .count();
    config_.debug_log(config_.service + " " + std::string(operation) + " -> " + outcome + " in " +
                      std::to_string(ms) + " ms");
  };
  Result<HttpResponse> response = config_.transport->Send(signed_request);
  // A sending the transport repeated on another connection is a retry like any other.
  if (response.ok() && response->sent_again) {
    counters_->retries.fetch_add(1, std::memory_order_relaxed);
  }
  if (!response.ok()) {
    log(response.error().ToString());
    return tag(std::move(response).error());
  }
  if (std::optional<Error> error = decode_error(*response)) {
    const std::string* token = signed_request.FindHeader("x-amz-security-token");
    error->message = PrintableServiceMessage(error->message, token ? *token : std::string_view());
    if (std::string advice =
            ClockSkewAdvice(config_.service, *error, *response, config_.clock->Now());
        !advice.empty()) {
      error->AddAdvice(advice);
    }
    if (error->http_status == 0) error->http_status = response->status;
    if (error->request_id.empty()) error->request_id = RequestId(*response);
    if (!error->retry_after) error->retry_after = ParseRetryAfter(*response);
    if (response->sent_again) error->earlier_sending_unanswered = true;
    log(error->ToString());
    return tag(std::move(*error));
  }
  if (config_.debug_log) {
    log("HTTP " + std::to_string(response->status) + ", " + std::to_string(response->body.size()) +
        " bytes [request id " + RequestId(*response) + "]");
  }
  return response;
}

}  // namespace ddbm::aws
