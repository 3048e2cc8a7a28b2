// CurlTransport: the real Transport, on libcurl. Keeps a pool of easy handles, each holding its
// kept-alive connection, so many threads can have requests in flight at once without
// reconnecting.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/http.h"

namespace ddbm::aws {

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  // A request whose whole exchange takes longer than this fails with a transport error.
  std::chrono::milliseconds request_timeout{120'000};
  bool verify_tls = true;  // Off only when the user says so (--no-verify-ssl).
  std::string ca_bundle;   // PEM file to trust instead of the system store; empty: system store.
  // Idle handles kept for reuse; more concurrent requests are fine, the extra are closed after.
  size_t max_idle_connections = 256;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // Thread-safe.
  Result<HttpResponse> Send(const HttpRequest& request) override;

 private:
  void* Acquire();
  void Release(void* handle);

  CurlTransportOptions options_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* easy handles; guarded by mu_
};

}  // namespace ddbm::aws
