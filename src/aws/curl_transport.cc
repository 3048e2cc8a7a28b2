#include "aws/curl_transport.h"

#include <curl/curl.h>

#include <charconv>
#include <mutex>

#include "aws/buffer_pool.h"

namespace ddbm::aws {
namespace {

constexpr long kReceiveBufferBytes = 256 * 1024;

struct Exchange {
  HttpResponse response;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue or a redirect) starts a fresh header set.
    exchange->response.headers.clear();
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string_view name = line.substr(0, colon);
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  if (EqualsIgnoreCase(name, "content-length")) {
    size_t length = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec == std::errc() && length < (size_t{1} << 31)) {
      std::string& body = exchange->response.body;
      if (body.empty() && length + kBodyPadding >= BufferPool::kMinPooledBytes) {
        // Large bodies (Scan pages) reuse buffers that their parser gives back to the pool.
        BufferPool::Shared().Give(std::move(body));
        body = BufferPool::Shared().Take(length + kBodyPadding);
      } else {
        body.reserve(length + kBodyPadding);
      }
    }
  }
  exchange->response.headers.push_back({std::string(name), std::string(value)});
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  exchange->response.body.append(data, size * count);
  return size * count;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
  GlobalInit();
}

CurlTransport::~CurlTransport() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* CurlTransport::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlTransport::Release(void* handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle_connections) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(Acquire());
  if (curl == nullptr) return Error::Make(ErrorKind::kInternal, "curl_easy_init failed");
  curl_easy_reset(curl);  // Keeps the connection cache; clears the previous request's options.

  Exchange exchange;
  curl_slist* headers = nullptr;
  for (const HttpHeader& h : request.headers) {
    headers = curl_slist_append(headers, (h.name + ": " + h.value).c_str());
  }
  // No "Expect: 100-continue" round trip, and no headers curl would add that we did not sign
  // beyond the harmless Accept.
  headers = curl_slist_append(headers, "Expect:");

  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  // Scan pages run to megabytes: a large receive buffer takes them in a few reads, not hundreds.
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
  if (!options_.ca_bundle.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) {
    // The connection may be broken: do not return this handle to the pool.
    curl_easy_cleanup(curl);
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    return Error::Make(ErrorKind::kTransport, detail);
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  Release(curl);
  exchange.response.status = static_cast<int>(status);
  HttpResponse& response = exchange.response;
  if (response.body.capacity() < response.body.size() + kBodyPadding) {
    response.body.reserve(response.body.size() + kBodyPadding);
  }
  return std::move(exchange.response);
}

}  // namespace ddbm::aws
