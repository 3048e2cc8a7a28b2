// loopback_writer: the least client CPU a BatchWriteItem writer can spend on this machine.
//
// Sends pre-built BatchWriteItem bodies to a DynamoDB endpoint over plain-HTTP keep-alive
// connections, one request in flight per connection: one writev per request and as few recvs
// as the answer takes. No scan, no JSON work, no retries and no SigV4 (a fixed Authorization
// header that only DynamoDB Local accepts, as it does not check signatures). bench/copy_bench.py
// runs it beside the copy tools, so that the share of a copy's client CPU that is the kernel's
// loopback TCP path and thread wake-ups is measured on the same machine, in the same run.
//
//   loopback_writer ENDPOINT TABLE BODIES CONNECTIONS
//
// ENDPOINT is http://host:port. BODIES holds one request per line: the JSON array of at most 25
// PutRequest objects for TABLE. Exits 1 at the first answer other than 200 with empty
// UnprocessedItems: this measures a floor, it is not a tool.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "loopback_writer: %s\n", message.c_str());
  std::exit(1);
}

struct Target {
  std::string host;
  std::string port;
  std::string table;
};

// Lines of the bodies file, handed out to the connections in order. Thread-safe.
class BodySource {
 public:
  explicit BodySource(const char* path) : file_(std::fopen(path, "r")) {
    if (file_ == nullptr) Die(std::string("cannot open ") + path);
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  }
  ~BodySource() { std::fclose(file_); }

  // Reads the next line into *line (without its newline); false at the end of the file.
  bool Next(std::string* line) {
    std::lock_guard lock(mu_);
    ssize_t n = getline(&buffer_, &capacity_, file_);
    if (n <= 0) return false;
    if (buffer_[n - 1] == '\n') --n;
    line->assign(buffer_, static_cast<size_t>(n));
    return true;
  }

 private:
  std::mutex mu_;
  FILE* file_;
  char* buffer_ = nullptr;  // guarded by mu_; getline's buffer, reused
  size_t capacity_ = 0;
};

int Connect(const Target& target) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found) != 0 || !found) {
    Die("cannot resolve " + target.host);
  }
  const int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  if (fd < 0 || connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    Die("cannot connect to " + target.host + ":" + target.port);
  }
  freeaddrinfo(found);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void WriteAll(int fd, iovec* parts, int count) {
  while (count > 0) {
    ssize_t n = writev(fd, parts, count);
    if (n < 0) Die(std::string("writev: ") + std::strerror(errno));
    while (count > 0 && static_cast<size_t>(n) >= parts->iov_len) {
      n -= static_cast<ssize_t>(parts->iov_len);
      ++parts;
      --count;
    }
    if (count > 0) {
      parts->iov_base = static_cast<char*>(parts->iov_base) + n;
      parts->iov_len -= static_cast<size_t>(n);
    }
  }
}

// Reads one whole answer (headers and a Content-Length body) into *answer; returns the body.
std::string_view ReadAnswer(int fd, std::string* answer) {
  size_t received = 0;
  size_t header_end = std::string::npos;
  size_t total = std::string::npos;
  while (total == std::string::npos || received < total) {
    if (received == answer->size()) answer->resize(answer->size() * 2);
    const ssize_t n = recv(fd, answer->data() + received, answer->size() - received, 0);
    if (n <= 0) Die("the connection closed before the answer ended");
    received += static_cast<size_t>(n);
    if (header_end != std::string::npos) continue;
    const std::string_view text(answer->data(), received);
    const size_t end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) continue;
    header_end = end + 4;
    const char* length = strcasestr(answer->data(), "\r\ncontent-length:");
    if (length == nullptr || length > answer->data() + end) Die("an answer without Content-Length");
    total = header_end + std::strtoul(length + 17, nullptr, 10);
    if (answer->size() < total) answer->resize(total);
  }
  const std::string_view all(answer->data(), total);
  if (!all.starts_with("HTTP/1.1 200")) Die("answer: " + std::string(all.substr(header_end)));
  return all.substr(header_end);
}

void Writer(const Target& target, BodySource* bodies) {
  const int fd = Connect(target);
  const std::string prefix = "{\"RequestItems\":{\"" + target.table + "\":";
  const std::string suffix = "}}";
  std::string line;
  std::string answer(64 * 1024, '\0');
  char head[512];
  while (bodies->Next(&line)) {
    const size_t length = prefix.size() + line.size() + suffix.size();
    const int head_size = std::snprintf(
        head, sizeof head,
        "POST / HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/x-amz-json-1.0\r\n"
        "X-Amz-Target: DynamoDB_20120810.BatchWriteItem\r\nX-Amz-Date: 20260101T000000Z\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=floor/20260101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0\r\n"
        "Content-Length: %zu\r\n\r\n",
        target.host.c_str(), target.port.c_str(), length);
    iovec parts[] = {{head, static_cast<size_t>(head_size)},
                     {const_cast<char*>(prefix.data()), prefix.size()},
                     {line.data(), line.size()},
                     {const_cast<char*>(suffix.data()), suffix.size()}};
    WriteAll(fd, parts, 4);
    const std::string_view body = ReadAnswer(fd, &answer);
    if (body.find("\"UnprocessedItems\":{}") == std::string_view::npos) {
      Die("unprocessed items: " + std::string(body.substr(0, 300)));
    }
  }
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) Die("usage: loopback_writer ENDPOINT TABLE BODIES CONNECTIONS");
  std::string_view endpoint = argv[1];
  if (!endpoint.starts_with("http://")) Die("ENDPOINT must be http://host:port");
  endpoint.remove_prefix(7);
  if (endpoint.ends_with('/')) endpoint.remove_suffix(1);
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) Die("ENDPOINT must name its port");
  const Target target{std::string(endpoint.substr(0, colon)),
                      std::string(endpoint.substr(colon + 1)), argv[2]};
  BodySource bodies(argv[3]);
  const int connections = std::atoi(argv[4]);
  if (connections < 1) Die("CONNECTIONS must be at least 1");
  std::vector<std::thread> writers;
  for (int i = 0; i < connections; ++i) writers.emplace_back(Writer, std::cref(target), &bodies);
  for (std::thread& writer : writers) writer.join();
  return 0;
}
