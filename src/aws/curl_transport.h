// CurlTransport: the real Transport. libcurl opens the connections (name lookup, TCP, TLS with
// certificate checks, proxy tunnels) in its connect-only mode; the HTTP/1.1 exchange on them is
// written here, with http_parser reading the answers. A copy sends thousands of small requests a
// second on kept-alive connections, and curl's own request loop polled each socket five or six
// times per request; here a request costs one send, one poll and the reads its answer needs.
// Connections are pooled by origin, so many threads can have requests in flight at once without
// reconnecting.
#pragma once

#include <atomic>
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
  // Idle connections kept for reuse; more concurrent requests are fine, the extra are closed
  // after.
  size_t max_idle_connections = 256;
  // Not owned; may be null; must outlive the transport. Once it reads true (a stop that gives up
  // on requests in flight), a request being sent or waiting for its answer is given up within
  // about 100 ms, a connection being opened within about a second, and a request not yet sent
  // is refused at once, nothing sent: Send then returns a kCancelled error. A request given up
  // on may still be carried out by the server.
  const std::atomic<bool>* abandon = nullptr;
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  // Thread-safe. A request that fails on a reused connection before any byte of the answer
  // arrived (the server had closed it while it was idle) is sent once more on a new connection,
  // as browsers and curl do.
  Result<HttpResponse> Send(const HttpRequest& request) override;

  struct Connection;

 private:
  std::unique_ptr<Connection> TakeIdle(const std::string& origin);
  void Keep(std::unique_ptr<Connection> connection);

  CurlTransportOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_; most recently used last
};

}  // namespace ddbm::aws
