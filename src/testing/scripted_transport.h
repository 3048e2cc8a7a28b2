// ScriptedTransport: plays back a queue of canned responses or transport errors, and records
// every request it was sent. Thread-safe. When the script runs out it answers with a transport
// error saying so, which makes an over-eager caller fail its test loudly.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "aws/http.h"

namespace ddbm::testing {

class ScriptedTransport final : public aws::Transport {
 public:
  using Handler = std::function<aws::Result<aws::HttpResponse>(const aws::HttpRequest&)>;

  // Queues a response with `status`, `body` and extra headers.
  void Respond(int status, std::string body, std::vector<aws::HttpHeader> headers = {}) {
    aws::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    Push([r](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> { return r; });
  }
  // Queues a transport failure (connection reset, timeout...).
  void Fail(std::string message) {
    Push([message](const aws::HttpRequest&) -> aws::Result<aws::HttpResponse> {
      return aws::Error::Make(aws::ErrorKind::kTransport, message);
    });
  }
  // Queues an arbitrary handler, for answers that depend on the request.
  void Push(Handler handler) {
    std::lock_guard lock(mu_);
    script_.push_back(std::move(handler));
  }
  // Answers every request once the script is empty (instead of failing).
  void SetFallback(Handler handler) {
    std::lock_guard lock(mu_);
    fallback_ = std::move(handler);
  }

  aws::Result<aws::HttpResponse> Send(const aws::HttpRequest& request) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      if (!script_.empty()) {
        handler = std::move(script_.front());
        script_.pop_front();
      } else {
        handler = fallback_;
      }
    }
    if (!handler) {
      return aws::Error::Make(aws::ErrorKind::kTransport, "scripted transport: script exhausted");
    }
    return handler(request);
  }

  std::vector<aws::HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t remaining() const {
    std::lock_guard lock(mu_);
    return script_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Handler> script_;
  Handler fallback_;
  std::vector<aws::HttpRequest> requests_;
};

}  // namespace ddbm::testing
