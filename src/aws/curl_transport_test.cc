#include "aws/curl_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "testing/text_assertions.h"

namespace ddbm::aws {
namespace {

using testing::HasText;

// A loopback HTTP/1.1 server that answers each request it reads, on whichever connection it
// came, with the next scripted reply. The requests are recorded as received.
class ScriptedHttpServer {
 public:
  struct Reply {
    std::string bytes;         // sent as they are; empty: nothing is sent
    bool close_after = false;  // close the connection after sending
  };

  explicit ScriptedHttpServer(std::deque<Reply> replies) : replies_(std::move(replies)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0 ||
        pipe(stop_) != 0) {
      std::abort();
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~ScriptedHttpServer() {
    (void)!write(stop_[1], "x", 1);
    thread_.join();
    for (auto& [fd, pending] : connections_) close(fd);
    close(listener_);
    close(stop_[0]);
    close(stop_[1]);
  }

  std::string Url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::vector<std::string> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int Accepted() {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  // Blocks until `count` requests were received whole, or `limit` has passed (so that a test
  // whose request never arrives fails instead of hanging); returns whether they were.
  bool AwaitRequests(size_t count, std::chrono::seconds limit = std::chrono::seconds(60)) {
    std::unique_lock lock(mu_);
    return received_.wait_for(lock, limit, [&] { return requests_.size() >= count; });
  }

 private:
  // The length of the first whole request in `data`, or 0 when it is not all there yet.
  static size_t RequestLength(const std::string& data) {
    const size_t end = data.find("\r\n\r\n");
    if (end == std::string::npos) return 0;
    size_t body = 0;
    const size_t at = data.find("Content-Length: ");
    if (at != std::string::npos && at < end) body = std::strtoul(&data[at + 16], nullptr, 10);
    return data.size() >= end + 4 + body ? end + 4 + body : 0;
  }

  void Serve() {
    for (;;) {
      std::vector<pollfd> fds{{stop_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
      for (auto& [fd, pending] : connections_) fds.push_back({fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), -1) < 0) return;
      if (fds[0].revents != 0) return;
      if (fds[1].revents != 0) {
        connections_[accept(listener_, nullptr, nullptr)] = "";
        std::lock_guard lock(mu_);
        ++accepted_;
      }
      for (size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents != 0) Read(fds[i].fd);
      }
    }
  }

  void Read(int fd) {
    char buffer[65536];
    const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) {
      close(fd);
      connections_.erase(fd);
      return;
    }
    std::string& pending = connections_[fd];
    pending.append(buffer, static_cast<size_t>(got));
    const size_t length = RequestLength(pending);
    if (length == 0) return;
    Reply reply;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(pending.substr(0, length));
      if (!replies_.empty()) {
        reply = std::move(replies_.front());
        replies_.pop_front();
      }
    }
    received_.notify_all();
    pending.erase(0, length);
    if (!reply.bytes.empty()) (void)!send(fd, reply.bytes.data(), reply.bytes.size(), 0);
    if (reply.close_after) {
      close(fd);
      connections_.erase(fd);
    }
  }

  int listener_ = -1;
  int stop_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
  std::map<int, std::string> connections_;  // server thread only: fd -> bytes not yet a request
  std::mutex mu_;
  std::condition_variable received_;   // notified with each request received
  std::deque<Reply> replies_;          // guarded by mu_
  std::vector<std::string> requests_;  // guarded by mu_
  int accepted_ = 0;                   // guarded by mu_
};

std::string Ok(std::string_view body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// The request failed as the network fails (kTransport), saying `why`.
::testing::AssertionResult TransportErrorSaying(const Result<HttpResponse>& response,
                                                std::string_view why) {
  if (response.ok()) return ::testing::AssertionFailure() << "answered " << response->status;
  if (response.error().kind != ErrorKind::kTransport) {
    return ::testing::AssertionFailure()
           << "not a transport error: " << response.error().ToString();
  }
  return HasText(response.error().message, why);
}

HttpRequest Post(const std::string& url, std::string body) {
  HttpRequest request;
  request.url = url;
  request.headers = {{"X-Amz-Target", "DynamoDB_20120810.Scan"}};
  request.body = std::move(body);
  return request;
}

TEST(CurlTransportTest, SendsTheRequestAndReadsAnAnswerOfKnownLength) {
  ScriptedHttpServer server({{Ok("{\"Count\":1}")}});
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Post(server.Url("/a%20b?x=1"), "{\"k\":1}"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"Count\":1}");
  ASSERT_NE(response->FindHeader("content-type"), nullptr);
  EXPECT_EQ(*response->FindHeader("content-type"), "text/plain");
  EXPECT_GE(response->body.capacity(), response->body.size() + kBodyPadding);
  ASSERT_EQ(server.Requests().size(), 1u);
  const std::string sent = server.Requests()[0];
  EXPECT_TRUE(sent.starts_with("POST /a%20b?x=1 HTTP/1.1\r\n")) << sent;
  EXPECT_TRUE(HasText(sent, "\r\nX-Amz-Target: DynamoDB_20120810.Scan\r\n")) << sent;
  EXPECT_TRUE(HasText(sent, "\r\nHost: 127.0.0.1:")) << sent;
  EXPECT_TRUE(sent.ends_with("\r\nContent-Length: 7\r\n\r\n{\"k\":1}")) << sent;
}

TEST(CurlTransportTest, KeepsTheConnectionForTheNextRequest) {
  ScriptedHttpServer server({{Ok("one")}, {Ok("two")}, {Ok("three")}});
  CurlTransport transport;
  for (const char* expected : {"one", "two", "three"}) {
    Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
    ASSERT_TRUE(response.ok()) << response.error().ToString();
    EXPECT_EQ(response->body, expected);
  }
  EXPECT_EQ(server.Accepted(), 1);
}

TEST(CurlTransportTest, KeepsNoConnectionWhenToldToKeepNone) {
  ScriptedHttpServer server({{Ok("one")}, {Ok("two")}});
  CurlTransportOptions options;
  options.max_idle_connections = 0;
  CurlTransport transport(options);
  for (const char* expected : {"one", "two"}) {
    Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
    ASSERT_TRUE(response.ok()) << response.error().ToString();
    EXPECT_EQ(response->body, expected);
  }
  EXPECT_EQ(server.Accepted(), 2);
}

TEST(CurlTransportTest, ReadsChunkedAnswersAndErrorStatuses) {
  ScriptedHttpServer server(
      {{"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"}});
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->body, "hello world");
}

TEST(CurlTransportTest, AnAnswerToHeadHasNoBodyWhateverItsLength) {
  ScriptedHttpServer server(
      {{"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"abc\"\r\n\r\n"}, {Ok("next")}});
  CurlTransport transport;
  HttpRequest head;
  head.method = "HEAD";
  head.url = server.Url("/bucket/key");
  Result<HttpResponse> response = transport.Send(head);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(*response->FindHeader("etag"), "\"abc\"");
  EXPECT_TRUE(server.Requests()[0].starts_with("HEAD /bucket/key HTTP/1.1\r\n"));
  EXPECT_FALSE(HasText(server.Requests()[0], "Content-Length"));
  // The connection is still in step: the next answer is read whole.
  response = transport.Send(Post(server.Url(), "{}"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, "next");
  EXPECT_EQ(server.Accepted(), 1);
}

TEST(CurlTransportTest, SkipsAnInterimAnswer) {
  ScriptedHttpServer server({{"HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n" + Ok("done")}});
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "done");
  EXPECT_EQ(response->FindHeader("x-interim"), nullptr);
}

TEST(CurlTransportTest, AnAnswerMayRunToTheCloseOfTheConnection) {
  ScriptedHttpServer server({{"HTTP/1.1 200 OK\r\n\r\nuntil the end", true}, {Ok("again")}});
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, "until the end");
  response = transport.Send(Post(server.Url(), "{}"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, "again");
  EXPECT_EQ(server.Accepted(), 2);
}

TEST(CurlTransportTest, SendsAgainWhenTheServerClosedAKeptConnection) {
  // The first answer says nothing of closing, then the server closes: the transport keeps the
  // connection, finds it dead on the next request, and sends that request on a new one.
  ScriptedHttpServer server({{Ok("first"), true}, {Ok("second")}});
  CurlTransport transport;
  Result<HttpResponse> first = transport.Send(Post(server.Url(), "{}"));
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_FALSE(first->sent_again);
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{\"n\":2}"));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, "second");
  // The dead connection cannot tell whether the request reached the server: the answer says
  // that it was sent again.
  EXPECT_TRUE(response->sent_again);
  EXPECT_EQ(server.Accepted(), 2);
  EXPECT_EQ(server.Requests().size(), 2u);
}

TEST(CurlTransportTest, AFreshConnectionClosedWithoutAnAnswerIsATransportError) {
  ScriptedHttpServer server({{"", true}});
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
  EXPECT_TRUE(TransportErrorSaying(response, "closed the connection without answering"));
}

TEST(CurlTransportTest, AnAnswerCutShortIsATransportError) {
  ScriptedHttpServer server(
      {{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part", true}, {Ok("unused")}});
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
  EXPECT_TRUE(TransportErrorSaying(response, "in the middle of the answer"));
  EXPECT_EQ(server.Requests().size(), 1u);  // not sent again: the server may have acted on it
}

TEST(CurlTransportTest, AMalformedAnswerIsATransportError) {
  ScriptedHttpServer server({{"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"}});
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
  EXPECT_TRUE(TransportErrorSaying(response, "malformed HTTP answer"));
}

TEST(CurlTransportTest, NoAnswerTimesOut) {
  ScriptedHttpServer server({{""}});
  CurlTransportOptions options;
  options.request_timeout = std::chrono::milliseconds(200);
  CurlTransport transport(options);
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
  EXPECT_TRUE(TransportErrorSaying(response, "timed out"));
}

TEST(CurlTransportTest, TheAbandonFlagEndsTheWaitForAnAnswer) {
  ScriptedHttpServer server({{""}});  // reads the request, never answers
  std::atomic<bool> abandon{false};
  CurlTransportOptions options;
  options.request_timeout = std::chrono::minutes(10);
  options.abandon = &abandon;
  CurlTransport transport(options);
  std::thread stopper([&] {
    EXPECT_TRUE(server.AwaitRequests(1));
    abandon.store(true);  // even when the request never came: the call must end
  });
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> response = transport.Send(Post(server.Url(), "{}"));
  stopper.join();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().kind, ErrorKind::kCancelled) << response.error().ToString();
  EXPECT_TRUE(HasText(response.error().message, "gave up waiting for the answer (POST 127.0.0.1:"));
  // Nowhere near the request timeout (the flag is looked at every 100 ms).
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
}

TEST(CurlTransportTest, NothingIsSentOnceTheAbandonFlagIsSet) {
  ScriptedHttpServer server({{Ok("first")}, {Ok("unused")}});
  std::atomic<bool> abandon{false};
  CurlTransportOptions options;
  options.abandon = &abandon;
  CurlTransport transport(options);
  Result<HttpResponse> first = transport.Send(Post(server.Url(), "{}"));
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  abandon.store(true);
  // Not on the connection kept from the first request.
  Result<HttpResponse> refused = transport.Send(Post(server.Url(), "{}"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kCancelled);
  EXPECT_TRUE(HasText(refused.error().message, "not sent: the run was stopped (POST 127.0.0.1:"));
  // Nor on a new one (no server listens there: a connection attempt would fail otherwise).
  refused = transport.Send(Post("http://127.0.0.1:1/", "{}"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kCancelled) << refused.error().ToString();
  EXPECT_EQ(server.Requests().size(), 1u);
  EXPECT_EQ(server.Accepted(), 1);
}

TEST(CurlTransportTest, ARefusedConnectionIsATransportError) {
  int port = 0;
  {
    ScriptedHttpServer server({});
    port = std::stoi(server.Url("").substr(std::string("http://127.0.0.1:").size()));
  }
  CurlTransport transport;
  Result<HttpResponse> response =
      transport.Send(Post("http://127.0.0.1:" + std::to_string(port) + "/", "{}"));
  EXPECT_TRUE(TransportErrorSaying(response, "127.0.0.1"));
}

// In a child process: lowers its limit on open files, uses them all, then connects; exits 0 when
// the failure is named as this process's, not as the server's (curl's own message blames the
// server), and is not one to retry.
[[noreturn]] void ConnectWithEveryDescriptorInUse() {
  rlimit limit{256, 256};
  ::setrlimit(RLIMIT_NOFILE, &limit);
  while (::open("/dev/null", O_RDONLY) >= 0) {
  }
  CurlTransport transport;
  Result<HttpResponse> response = transport.Send(Post("http://127.0.0.1:9/", "{}"));
  const bool named =
      !response.ok() && response.error().kind == ErrorKind::kInvalidInput &&
      HasText(response.error().message, "limit allows (256;") &&
      HasText(response.error().message, "cannot open another connection to 127.0.0.1:9");
  if (!named) {
    std::fprintf(stderr, "%s\n", response.ok() ? "answered" : response.error().ToString().c_str());
  }
  std::_Exit(named ? 0 : 1);
}

// A threadsafe death test (the child is started afresh), so that the limit is lowered without
// touching the tests'.
TEST(CurlTransportDeathTest, RunningOutOfFileDescriptorsIsNamedAsSuch) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ConnectWithEveryDescriptorInUse(), ::testing::ExitedWithCode(0), "");
}

TEST(CurlTransportTest, ALargeBodyArrivesWhole) {
  ScriptedHttpServer server({{Ok("stored")}});
  CurlTransport transport;
  std::string body(3 << 20, 'b');
  for (size_t i = 0; i < body.size(); i += 4093) body[i] = static_cast<char>('a' + i % 26);
  HttpRequest put = Post(server.Url("/bucket/part"), body);
  put.method = "PUT";
  Result<HttpResponse> response = transport.Send(put);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, "stored");
  const std::string sent = server.Requests().at(0);
  EXPECT_TRUE(sent.starts_with("PUT /bucket/part HTTP/1.1\r\n"));
  EXPECT_TRUE(sent.ends_with("\r\n\r\n" + body));
}

}  // namespace
}  // namespace ddbm::aws
