#include "aws/curl_transport.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <http_parser.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <mutex>

#include "aws/buffer_pool.h"
#include "aws/url.h"

namespace ddbm::aws {

using SteadyClock = std::chrono::steady_clock;

struct CurlTransport::Connection {
  CURL* curl = nullptr;
  curl_socket_t socket = CURL_SOCKET_BAD;
  std::string origin;
  char error[CURL_ERROR_SIZE] = {0};

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

namespace {

using Connection = CurlTransport::Connection;

// Answers are read in pieces of this size; a 256 KB Scan page takes a few reads.
constexpr size_t kReadBytes = 256 * 1024;
// A body up to this size goes out in one send with the request head; a larger one (an S3 part)
// is sent from where it lies rather than copied.
constexpr size_t kInlineBodyBytes = 64 * 1024;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Error TransportError(std::string detail) {
  return Error::Make(ErrorKind::kTransport, std::move(detail));
}

// After a failed connection: whether this process cannot open another file, every descriptor
// its limit allows being in use (curl's message then blames the server). Retrying would not help
// while the run holds its connections: the caller is told to raise the limit instead.
std::optional<Error> OutOfFileDescriptors(const Url& url) {
  const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (probe >= 0) {
    ::close(probe);
    return std::nullopt;
  }
  const int error = errno;
  if (error != EMFILE && error != ENFILE) return std::nullopt;
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return Error::Make(
      ErrorKind::kInvalidInput,
      "cannot open another connection to " + url.Authority() + ": " +
          (error == EMFILE ? "this process has open as many files as its limit allows (" +
                                 std::to_string(limit.rlim_cur) +
                                 "; ddbmigrate raises it to the hard limit, up to 65,536)"
                           : std::string("the system has too many files open")) +
          "; send fewer requests at once (--readers, --writers), or " +
          (limit.rlim_cur < limit.rlim_max
               ? std::string("raise the limit before running it (ulimit -n, up to the hard "
                             "limit; ddbmigrate keeps a higher one)")
               : std::string("raise the hard limit on open files (ulimit -Hn; LimitNOFILE= for "
                             "a systemd service, --ulimit nofile= for docker)")));
}

std::string CurlMessage(const Connection& c, CURLcode code) {
  return c.error[0] != '\0' ? std::string(c.error) : std::string(curl_easy_strerror(code));
}

// The request line and headers of `request`, which goes to `url`.
std::string RequestHead(const HttpRequest& request, const Url& url, size_t reserve_for_body) {
  std::string head;
  size_t size = 64 + request.method.size() + url.path.size() + url.query.size();
  for (const HttpHeader& h : request.headers) size += h.name.size() + h.value.size() + 4;
  head.reserve(size + reserve_for_body);
  head.append(request.method).append(" ").append(url.path.empty() ? "/" : url.path);
  if (!url.query.empty()) head.append("?").append(url.query);
  head.append(" HTTP/1.1\r\n");
  bool has_host = false;
  bool has_length = false;
  for (const HttpHeader& h : request.headers) {
    has_host = has_host || EqualsIgnoreCase(h.name, "host");
    has_length = has_length || EqualsIgnoreCase(h.name, "content-length");
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!has_host) head.append("Host: ").append(url.Authority()).append("\r\n");
  const bool sends_body = !request.body.empty() || request.method == "POST" ||
                          request.method == "PUT" || request.method == "PATCH";
  if (!has_length && sends_body) {
    head.append("Content-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

Error CancelledError(std::string detail) {
  return Error::Make(ErrorKind::kCancelled, std::move(detail));
}

// The longest a wait for a socket goes without looking at the abandon flag.
constexpr std::chrono::milliseconds kAbandonCheck{100};

// Acquire: whoever sets the flag after other state (a stop flag) has that state seen too.
bool Abandoned(const std::atomic<bool>* abandon) {
  return abandon != nullptr && abandon->load(std::memory_order_acquire);
}

enum class Wait { kReady, kTimedOut, kAbandoned };

// Waits until `socket` is ready for `events` (or fails: the next send or recv reports how),
// `deadline` passes, or `abandon` (may be null) reads true.
Wait WaitFor(curl_socket_t socket, short events, SteadyClock::time_point deadline,
             const std::atomic<bool>* abandon) {
  for (;;) {
    if (Abandoned(abandon)) return Wait::kAbandoned;
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return Wait::kTimedOut;
    if (abandon != nullptr) left = std::min(left, kAbandonCheck);
    pollfd fd{socket, events, 0};
    const int ready = poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count(), INT_MAX)));
    // A signal interrupting the poll (-1, EINTR) looks like readiness: the send or recv that
    // follows finds nothing to do and waits again, looking at the flag first.
    if (ready != 0) return Wait::kReady;
  }
}

// One answer being read: what http_parser's callbacks fill in.
struct ResponseReader {
  http_parser parser;
  HttpResponse response;
  std::string field;  // the header being read
  std::string value;
  bool in_value = false;
  bool head_request = false;  // an answer to HEAD has no body, whatever its headers say
  bool complete = false;
};

void EndHeader(ResponseReader* r) {
  if (r->field.empty() && !r->in_value) return;
  while (!r->value.empty() && (r->value.back() == ' ' || r->value.back() == '\t')) {
    r->value.pop_back();
  }
  r->response.headers.push_back({std::move(r->field), std::move(r->value)});
  r->field.clear();
  r->value.clear();
  r->in_value = false;
}

int OnHeaderField(http_parser* p, const char* at, size_t n) {
  auto* r = static_cast<ResponseReader*>(p->data);
  if (r->in_value) EndHeader(r);
  r->field.append(at, n);
  return 0;
}

int OnHeaderValue(http_parser* p, const char* at, size_t n) {
  auto* r = static_cast<ResponseReader*>(p->data);
  r->in_value = true;
  r->value.append(at, n);
  return 0;
}

int OnHeadersComplete(http_parser* p) {
  auto* r = static_cast<ResponseReader*>(p->data);
  EndHeader(r);
  const uint64_t length = p->content_length;  // ULLONG_MAX when the answer gives none
  if (length < (uint64_t{1} << 31) && !r->head_request) {
    std::string& body = r->response.body;
    if (body.empty() && length + kBodyPadding >= BufferPool::kMinPooledBytes) {
      // Large bodies (Scan pages) reuse buffers that their parser gives back to the pool.
      BufferPool::Shared().Give(std::move(body));
      body = BufferPool::Shared().Take(length + kBodyPadding);
    } else {
      body.reserve(length + kBodyPadding);
    }
  }
  return r->head_request ? 1 : 0;
}

int OnBody(http_parser* p, const char* at, size_t n) {
  static_cast<ResponseReader*>(p->data)->response.body.append(at, n);
  return 0;
}

int OnMessageComplete(http_parser* p) {
  auto* r = static_cast<ResponseReader*>(p->data);
  if (p->status_code < 200) {
    // An interim answer (100 Continue): the real one follows on the same connection.
    r->response.headers.clear();
    return 0;
  }
  r->complete = true;
  http_parser_pause(p, 1);  // consume nothing after this answer
  return 0;
}

const http_parser_settings& ParserSettings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s{};
    s.on_header_field = OnHeaderField;
    s.on_header_value = OnHeaderValue;
    s.on_headers_complete = OnHeadersComplete;
    s.on_body = OnBody;
    s.on_message_complete = OnMessageComplete;
    return s;
  }();
  return settings;
}

// How an exchange on one connection ended.
enum class Outcome {
  kAnswered,     // a whole answer was read; `keep` says whether the connection can be reused
  kNothingBack,  // the connection failed before any byte of an answer arrived
  kFailed,       // anything else: a timeout, a reset mid-answer, a malformed answer
  kAbandoned,    // the abandon flag was set before the whole request was sent or answered
};

struct ExchangeResult {
  Outcome outcome = Outcome::kFailed;
  bool keep = false;
  std::string detail;  // why, unless answered
  HttpResponse response;
};

// Fails with kCancelled when `abandon` ended a wait for room to send.
Status SendAll(Connection& c, std::string_view data, SteadyClock::time_point deadline,
               const std::atomic<bool>* abandon) {
  while (!data.empty()) {
    size_t sent = 0;
    const CURLcode code = curl_easy_send(c.curl, data.data(), data.size(), &sent);
    if (code == CURLE_AGAIN) {
      switch (WaitFor(c.socket, POLLOUT, deadline, abandon)) {
        case Wait::kReady:
          break;
        case Wait::kTimedOut:
          return TransportError("timed out sending");
        case Wait::kAbandoned:
          return CancelledError("gave up sending");
      }
      continue;
    }
    if (code != CURLE_OK) return TransportError(CurlMessage(c, code));
    data.remove_prefix(sent);
  }
  return Status::Ok();
}

// Sends `head` then `body` on `c` and reads the answer, until `deadline` or until `abandon`
// (may be null) reads true.
ExchangeResult Exchange(Connection& c, std::string_view head, std::string_view body,
                        bool head_request, SteadyClock::time_point deadline,
                        const std::atomic<bool>* abandon) {
  ExchangeResult result;
  for (std::string_view part : {head, body}) {
    if (Status sent = SendAll(c, part, deadline, abandon); !sent.ok()) {
      // A send that ran out of time is not tried again elsewhere; a refused one is.
      result.outcome = sent.error().kind == ErrorKind::kCancelled ? Outcome::kAbandoned
                       : SteadyClock::now() < deadline            ? Outcome::kNothingBack
                                                                  : Outcome::kFailed;
      result.detail = sent.error().message;
      return result;
    }
  }
  ResponseReader reader;
  http_parser_init(&reader.parser, HTTP_RESPONSE);
  reader.parser.data = &reader;
  reader.head_request = head_request;
  thread_local const std::unique_ptr<char[]> buffer(new char[kReadBytes]);  // not zeroed
  size_t received = 0;
  // Nothing can be waiting before the server answers (not even in TLS's buffers), so the first
  // read waits for the socket rather than trying a read that would find nothing.
  bool wait = true;
  while (!reader.complete) {
    if (wait) {
      const Wait waited = WaitFor(c.socket, POLLIN, deadline, abandon);
      if (waited == Wait::kTimedOut) {
        result.detail = std::string(kNoAnswerInTime);
        return result;
      }
      if (waited == Wait::kAbandoned) {
        result.outcome = Outcome::kAbandoned;
        result.detail = "gave up waiting for the answer";
        return result;
      }
    }
    size_t got = 0;
    const CURLcode code = curl_easy_recv(c.curl, buffer.get(), kReadBytes, &got);
    if (code == CURLE_AGAIN) {
      wait = true;
      continue;
    }
    wait = false;
    if (code != CURLE_OK) {
      result.outcome = received == 0 ? Outcome::kNothingBack : Outcome::kFailed;
      result.detail = CurlMessage(c, code);
      return result;
    }
    if (got == 0) {
      // The server closed the connection: that ends an answer that runs to the close.
      http_parser_execute(&reader.parser, &ParserSettings(), nullptr, 0);
      if (reader.complete) break;
      result.outcome = received == 0 ? Outcome::kNothingBack : Outcome::kFailed;
      result.detail = received == 0 ? "the server closed the connection without answering"
                                    : "the server closed the connection in the middle of the "
                                      "answer";
      return result;
    }
    received += got;
    const size_t used = http_parser_execute(&reader.parser, &ParserSettings(), buffer.get(), got);
    if (reader.complete) {
      // Bytes after the answer were never asked for: do not reuse a connection carrying them.
      result.keep = used == got && http_should_keep_alive(&reader.parser) != 0;
      break;
    }
    if (HTTP_PARSER_ERRNO(&reader.parser) != HPE_OK || used != got) {
      result.detail = std::string("malformed HTTP answer: ") +
                      http_errno_description(HTTP_PARSER_ERRNO(&reader.parser));
      return result;
    }
  }
  result.outcome = Outcome::kAnswered;
  result.response = std::move(reader.response);
  result.response.status = static_cast<int>(reader.parser.status_code);
  return result;
}

}  // namespace

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
  GlobalInit();
}

CurlTransport::~CurlTransport() = default;

std::unique_ptr<Connection> CurlTransport::TakeIdle(const std::string& origin) {
  std::lock_guard lock(mu_);
  for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
    if ((*it)->origin == origin) {
      std::unique_ptr<Connection> c = std::move(*it);
      idle_.erase(std::next(it).base());
      return c;
    }
  }
  return nullptr;
}

void CurlTransport::Keep(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  if (options_.max_idle_connections == 0) return;
  if (idle_.size() >= options_.max_idle_connections) idle_.erase(idle_.begin());
  idle_.push_back(std::move(connection));
}

namespace {

// libcurl's progress callback, which it calls about once a second while it connects: a
// non-zero return ends the connecting with CURLE_ABORTED_BY_CALLBACK.
int AbortWhenAbandoned(void* abandon, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return Abandoned(static_cast<const std::atomic<bool>*>(abandon)) ? 1 : 0;
}

// Opens a connection to `url`'s origin: name lookup, TCP, TLS, and a CONNECT tunnel when the
// environment names a proxy for it.
Result<std::unique_ptr<Connection>> Connect(const Url& url, const std::string& origin,
                                            const CurlTransportOptions& options) {
  auto c = std::make_unique<Connection>();
  c->origin = origin;
  c->curl = curl_easy_init();
  if (c->curl == nullptr) return Error::Make(ErrorKind::kInternal, "curl_easy_init failed");
  CURL* curl = c->curl;
  const std::string target = origin + "/";
  curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
  // What goes over the connection is HTTP/1.1: TLS must not agree on HTTP/2 with the server.
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->error);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  if (!options.ca_bundle.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_bundle.c_str());
  if (options.abandon != nullptr) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortWhenAbandoned);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA,
                     static_cast<void*>(const_cast<std::atomic<bool>*>(options.abandon)));
  }
  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    return CancelledError("gave up connecting to " + url.Authority());
  }
  if (code != CURLE_OK) {
    if (std::optional<Error> local = OutOfFileDescriptors(url)) return *local;
    return TransportError(CurlMessage(*c, code));
  }
  if (curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &c->socket) != CURLE_OK ||
      c->socket == CURL_SOCKET_BAD) {
    return TransportError("connected to " + url.Authority() + " but found no socket");
  }
  return c;
}

}  // namespace

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  Result<Url> url = ParseUrl(request.url);
  if (!url.ok()) return TransportError(url.error().message);
  const std::string origin = url->Origin();
  const bool inline_body = request.body.size() <= kInlineBodyBytes;
  std::string head = RequestHead(request, *url, inline_body ? request.body.size() : 0);
  std::string_view body = request.body;
  if (inline_body) {
    head.append(request.body);
    body = {};
  }
  const SteadyClock::time_point started = SteadyClock::now();
  const SteadyClock::time_point deadline = started + options_.request_timeout;
  bool sent_again = false;
  const std::atomic<bool>* abandon = options_.abandon;
  auto not_sent = [&] {
    return CancelledError("not sent: the run was stopped (" + request.method + " " +
                          url->Authority() + ")");
  };
  for (;;) {
    if (Abandoned(abandon)) return not_sent();
    std::unique_ptr<Connection> c = TakeIdle(origin);
    const bool reused = c != nullptr;
    if (!reused) {
      Result<std::unique_ptr<Connection>> made = Connect(*url, origin, options_);
      if (!made.ok()) return std::move(made).error();
      c = std::move(*made);
      if (Abandoned(abandon)) return not_sent();  // stopped while connecting
    }
    ExchangeResult exchange = Exchange(*c, head, body, request.method == "HEAD", deadline, abandon);
    if (exchange.outcome == Outcome::kAnswered) {
      if (exchange.keep) Keep(std::move(c));
      HttpResponse& response = exchange.response;
      response.sent_again = sent_again;
      if (response.body.capacity() < response.body.size() + kBodyPadding) {
        response.body.reserve(response.body.size() + kBodyPadding);
      }
      return std::move(exchange.response);
    }
    // A kept connection that failed with nothing back: most likely the server had closed it
    // and the request never reached it, so it is sent again. But a server (or a proxy) may
    // also have carried the request out and dropped the connection before answering: the
    // answer says it was sent again.
    if (exchange.outcome == Outcome::kNothingBack && reused) {
      sent_again = true;
      continue;
    }
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started).count();
    return Error::Make(
        exchange.outcome == Outcome::kAbandoned ? ErrorKind::kCancelled : ErrorKind::kTransport,
        exchange.detail + " (" + request.method + " " + url->Authority() + ", after " +
            std::to_string(ms) + " ms)");
  }
}

}  // namespace ddbm::aws
