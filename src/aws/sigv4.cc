#include "aws/sigv4.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>

#include "aws/url.h"

namespace ddbm::aws::sigv4 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// OpenSSL 3 looks an algorithm up by name (under a process-wide lock) whenever it is given
// EVP_sha256() or asked for a one-shot HMAC. Every request is hashed and signed, from many
// threads at once, so the algorithms are fetched once and each thread keeps its own contexts.
const EVP_MD* Sha256Algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct MdContextFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MacContextFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// This thread's HMAC-SHA256 context, its digest already set; nullptr if OpenSSL has no HMAC.
EVP_MAC_CTX* ThreadHmacContext() {
  thread_local std::unique_ptr<EVP_MAC_CTX, MacContextFree> context = [] {
    static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    std::unique_ptr<EVP_MAC_CTX, MacContextFree> c(hmac ? EVP_MAC_CTX_new(hmac) : nullptr);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (c && EVP_MAC_CTX_set_params(c.get(), params) != 1) c.reset();
    return c;
  }();
  return context.get();
}

// SigningKey() for the last scope this thread signed for: the key changes once a day, and
// deriving it takes four HMACs per request otherwise.
const std::string& CachedSigningKey(std::string_view secret_access_key, std::string_view date_stamp,
                                    std::string_view region, std::string_view service) {
  struct Entry {
    std::string secret, date, region, service, key;
  };
  thread_local Entry last;
  if (last.key.empty() || last.secret != secret_access_key || last.date != date_stamp ||
      last.region != region || last.service != service) {
    last.key = SigningKey(secret_access_key, date_stamp, region, service);
    last.secret = secret_access_key;
    last.date = date_stamp;
    last.region = region;
    last.service = service;
  }
  return last.key;
}

std::string LowerHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Line breaks count as whitespace so that an obs-folded value ("a\r\n  b", a header continued
// on an indented line) canonicalises like botocore does it: to "a b".
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The value with leading and trailing whitespace removed and every inner run of whitespace
// replaced by one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Headers never signed, whatever the request carries (lower-case names).
bool IsNeverSigned(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 6> kNames = {
      "authorization",      // holds the signature itself
      "connection",         // hop-by-hop: proxies and HTTP stacks may drop or rewrite it
      "expect",             // added by HTTP stacks on their own (curl: "100-continue")
      "transfer-encoding",  // hop-by-hop, like connection
      "user-agent",         // rewritten by proxies; the SDKs leave it out too
      "x-amzn-trace-id",    // added or changed on the way by load balancers and X-Ray
  };
  return std::find(kNames.begin(), kNames.end(), lower_name) != kNames.end();
}

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per signed header name, sorted by name
  std::string signed_headers;  // "host;x-amz-date"
};

// `default_host` stands in for a missing Host header (the value the transport will send).
CanonicalHeaders BuildCanonicalHeaders(const std::vector<HttpHeader>& headers,
                                       std::string_view default_host) {
  std::vector<std::pair<std::string, std::string>> entries;
  entries.reserve(headers.size() + 1);
  bool has_host = false;
  for (const HttpHeader& header : headers) {
    std::string name = ToLower(header.name);
    if (IsNeverSigned(name)) continue;
    if (name == "host") has_host = true;
    entries.emplace_back(std::move(name), CanonicalHeaderValue(header.value));
  }
  if (!has_host) entries.emplace_back("host", std::string(default_host));
  // Stable: values of a repeated header stay in the order they were sent.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const bool same_name_as_previous = i > 0 && entries[i].first == entries[i - 1].first;
    if (same_name_as_previous) {
      out.block.back() = ',';  // replaces the previous value's '\n'
    } else {
      if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
      out.signed_headers += entries[i].first;
      out.block += entries[i].first;
      out.block.push_back(':');
    }
    out.block += entries[i].second;
    out.block.push_back('\n');
  }
  return out;
}

// Calls `fn` with every `separator`-separated piece of `text`, empty ones included ("" gives
// one empty piece, "/a/" gives "", "a", "").
template <class Fn>
void ForEachPiece(std::string_view text, char separator, Fn&& fn) {
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    fn(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return;
    start = end + 1;
  }
}

// RFC 3986 remove_dot_segments on an absolute path, also dropping empty segments ("//"). A
// trailing slash survives, and a path ending in "." or ".." ends in '/', as in the RFC.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> kept;
  bool ends_in_directory = false;
  ForEachPiece(path, '/', [&](std::string_view segment) {
    ends_in_directory = segment.empty() || segment == "." || segment == "..";
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
  });
  std::string out = "/";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out.push_back('/');
    out += kept[i];
  }
  if (!kept.empty() && ends_in_directory) out.push_back('/');
  return out;
}

std::string CanonicalUri(std::string_view path, bool normalize_path) {
  if (path.empty()) return "/";
  if (normalize_path) return UriEncode(NormalizePath(path), /*keep_slash=*/true);
  std::string out;
  out.reserve(path.size());
  bool first = true;
  ForEachPiece(path, '/', [&](std::string_view segment) {
    if (!first) out.push_back('/');
    first = false;
    // Segment by segment, so that an encoded slash ("%2F") inside a key stays encoded.
    out += UriEncode(UriDecode(segment));
  });
  return out;
}

// Pairs split on '&' (empty pieces ignored), a key without '=' getting an empty value; both
// sides decoded then re-encoded to RFC 3986 form, sorted by encoded key, then encoded value.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  ForEachPiece(query, '&', [&pairs](std::string_view piece) {
    if (piece.empty()) return;
    const size_t eq = piece.find('=');
    const std::string_view key = piece.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    pairs.emplace_back(UriEncode(UriDecode(key)), UriEncode(UriDecode(value)));
  });
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

// The URL as a Url; an unparseable one as the root path with no query and no host (the
// transport rejects such a request anyway, so its signature does not matter).
Url ParseOrRoot(std::string_view text) {
  Result<Url> url = ParseUrl(text);
  if (url.ok()) return std::move(url).value();
  Url root;
  root.path = "/";
  return root;
}

CanonicalRequestParts AssembleCanonicalRequest(std::string_view method, const Url& url,
                                               const CanonicalHeaders& headers,
                                               std::string_view payload_hash, bool normalize_path) {
  CanonicalRequestParts parts;
  std::string& out = parts.canonical_request;
  out.reserve(256 + headers.block.size() + url.path.size() + url.query.size());
  out.append(method).push_back('\n');
  out.append(CanonicalUri(url.path, normalize_path)).push_back('\n');
  out.append(CanonicalQuery(url.query)).push_back('\n');
  out.append(headers.block).push_back('\n');
  out.append(headers.signed_headers).push_back('\n');
  out.append(payload_hash);
  parts.signed_headers = headers.signed_headers;
  return parts;
}

std::string PayloadHash(const HttpRequest& request, const SigningParams& params) {
  return params.payload_hash.empty() ? Sha256Hex(request.body) : params.payload_hash;
}

void EraseHeader(HttpRequest& request, std::string_view name) {
  std::erase_if(request.headers,
                [&](const HttpHeader& header) { return EqualsIgnoreCase(header.name, name); });
}

struct CivilTime {
  int year;
  unsigned month, day;
  long hours, minutes, seconds;
};

CivilTime ToCivil(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(time);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  return {static_cast<int>(ymd.year()),
          static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),
          static_cast<long>(hms.hours().count()),
          static_cast<long>(hms.minutes().count()),
          static_cast<long>(hms.seconds().count())};
}

}  // namespace

std::string Sha256(std::string_view data) {
  thread_local std::unique_ptr<EVP_MD_CTX, MdContextFree> context(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD_CTX* c = context.get();
  if (c == nullptr || Sha256Algorithm() == nullptr ||
      EVP_DigestInit_ex2(c, Sha256Algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(c, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(c, digest, &size) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");  // only on allocation failure
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Sha256Hex(std::string_view data) {
  const std::string digest = Sha256(data);
  return LowerHex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t size = 0;
  EVP_MAC_CTX* c = ThreadHmacContext();
  if (c == nullptr ||
      EVP_MAC_init(c, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr) !=
          1 ||
      EVP_MAC_update(c, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(c, mac, &size, sizeof mac) != 1) {
    throw std::runtime_error("OpenSSL HMAC-SHA256 failed");  // only on allocation failure
  }
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  // Formatted by hand: this runs for every request, and snprintf costs more than the rest of
  // the date handling together.
  const CivilTime t = ToCivil(time);
  std::string out(16, '0');
  auto put = [&out](size_t end, long value, int digits) {
    for (int i = 1; i <= digits; ++i, value /= 10)
      out[end - i] = static_cast<char>('0' + value % 10);
  };
  put(4, t.year, 4);
  put(6, t.month, 2);
  put(8, t.day, 2);
  out[8] = 'T';
  put(11, t.hours, 2);
  put(13, t.minutes, 2);
  put(15, t.seconds, 2);
  out[15] = 'Z';
  return out;
}

std::string AmzDateStamp(std::chrono::system_clock::time_point time) {
  return AmzDate(time).substr(0, 8);
}

std::string CredentialScope(std::string_view date_stamp, std::string_view region,
                            std::string_view service) {
  std::string out;
  out.append(date_stamp).append("/").append(region).append("/").append(service);
  out.append("/aws4_request");
  return out;
}

CanonicalRequestParts CanonicalRequest(const HttpRequest& request, std::string_view payload_hash,
                                       bool normalize_path) {
  const Url url = ParseOrRoot(request.url);
  return AssembleCanonicalRequest(request.method, url,
                                  BuildCanonicalHeaders(request.headers, url.Authority()),
                                  payload_hash, normalize_path);
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out;
  out.append(kAlgorithm).push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope).push_back('\n');
  out.append(Sha256Hex(canonical_request));
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date_stamp,
                       std::string_view region, std::string_view service) {
  const std::string secret = "AWS4" + std::string(secret_access_key);
  const std::string date_key = HmacSha256(secret, date_stamp);
  const std::string region_key = HmacSha256(date_key, region);
  const std::string service_key = HmacSha256(region_key, service);
  return HmacSha256(service_key, "aws4_request");
}

std::string Signature(std::string_view signing_key, std::string_view string_to_sign) {
  const std::string mac = HmacSha256(signing_key, string_to_sign);
  return LowerHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

void SignRequest(HttpRequest& request, const Credentials& credentials,
                 const SigningParams& params) {
  const Url url = ParseOrRoot(request.url);
  if (request.FindHeader("Host") == nullptr && !url.host.empty()) {
    request.SetHeader("Host", url.Authority());
  }
  const std::string amz_date = AmzDate(params.time);
  request.SetHeader("X-Amz-Date", amz_date);
  const bool has_token = !credentials.session_token.empty();
  if (has_token) {
    if (params.sign_session_token) {
      request.SetHeader("X-Amz-Security-Token", credentials.session_token);
    } else {
      EraseHeader(request, "X-Amz-Security-Token");  // added back once signed
    }
  }
  const std::string payload_hash = PayloadHash(request, params);
  if (params.add_content_sha256_header) request.SetHeader("X-Amz-Content-Sha256", payload_hash);

  const CanonicalRequestParts parts =
      CanonicalRequest(request, payload_hash, params.normalize_path);
  const std::string_view date_stamp = std::string_view(amz_date).substr(0, 8);
  const std::string scope = CredentialScope(date_stamp, params.region, params.service);
  const std::string signature = Signature(
      CachedSigningKey(credentials.secret_access_key, date_stamp, params.region, params.service),
      StringToSign(amz_date, scope, parts.canonical_request));

  std::string authorization(kAlgorithm);
  authorization.append(" Credential=").append(credentials.access_key_id).append("/").append(scope);
  authorization.append(", SignedHeaders=").append(parts.signed_headers);
  authorization.append(", Signature=").append(signature);
  request.SetHeader("Authorization", std::move(authorization));
  if (has_token && !params.sign_session_token) {
    request.SetHeader("X-Amz-Security-Token", credentials.session_token);
  }
}

void PresignRequest(HttpRequest& request, const Credentials& credentials,
                    const SigningParams& params) {
  // The URL is rebuilt as base + '?' + query; a fragment is never sent, so it is dropped.
  std::string_view text = request.url;
  text = text.substr(0, text.find('#'));
  const size_t question = text.find('?');
  const std::string base(text.substr(0, question));
  std::string query(question == std::string_view::npos ? std::string_view()
                                                       : text.substr(question + 1));
  auto append = [&query](std::string_view key, std::string_view value) {
    if (!query.empty()) query.push_back('&');
    query.append(key).append("=").append(UriEncode(value));
  };

  const Url url = ParseOrRoot(request.url);
  const CanonicalHeaders headers = BuildCanonicalHeaders(request.headers, url.Authority());
  const std::string amz_date = AmzDate(params.time);
  const std::string date_stamp = AmzDateStamp(params.time);
  const std::string scope = CredentialScope(date_stamp, params.region, params.service);
  const bool has_token = !credentials.session_token.empty();

  // Same parameter order as aws-c-auth, so its signed-request files compare byte for byte;
  // the order does not matter to the signature (the canonical query is sorted).
  append("X-Amz-Algorithm", kAlgorithm);
  append("X-Amz-Credential", credentials.access_key_id + "/" + scope);
  append("X-Amz-Date", amz_date);
  append("X-Amz-SignedHeaders", headers.signed_headers);
  append("X-Amz-Expires", std::to_string(params.expires_in_seconds));
  if (has_token && params.sign_session_token) {
    append("X-Amz-Security-Token", credentials.session_token);
  }

  Url signed_url = url;
  signed_url.query = query;
  const CanonicalRequestParts parts = AssembleCanonicalRequest(
      request.method, signed_url, headers, PayloadHash(request, params), params.normalize_path);
  const std::string signature = Signature(
      CachedSigningKey(credentials.secret_access_key, date_stamp, params.region, params.service),
      StringToSign(amz_date, scope, parts.canonical_request));

  if (has_token && !params.sign_session_token) {
    append("X-Amz-Security-Token", credentials.session_token);
  }
  append("X-Amz-Signature", signature);
  request.url = base + "?" + query;
}

}  // namespace ddbm::aws::sigv4
