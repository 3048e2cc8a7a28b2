#include "aws/url.h"

#include <gtest/gtest.h>

#include <string>

namespace ddbm::aws {
namespace {

using namespace std::string_literals;

Url MustParse(const std::string& text) {
  Result<Url> url = ParseUrl(text);
  EXPECT_TRUE(url.ok()) << text << ": " << (url.ok() ? "" : url.error().ToString());
  return url.ok() ? *url : Url{};
}

void ExpectInvalid(const std::string& text, const std::string& why) {
  Result<Url> url = ParseUrl(text);
  ASSERT_FALSE(url.ok()) << text;
  EXPECT_EQ(url.error().kind, ErrorKind::kInvalidInput) << text;
  EXPECT_NE(url.error().message.find(why), std::string::npos)
      << text << " -> " << url.error().message;
  EXPECT_NE(url.error().message.find(text), std::string::npos) << url.error().message;
}

TEST(ParseUrlTest, HttpsWithoutPortOrPath) {
  const Url url = MustParse("https://dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(url.port, 0);
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(url.query, "");
  EXPECT_EQ(url.Authority(), "dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(url.Origin(), "https://dynamodb.us-east-1.amazonaws.com");
}

TEST(ParseUrlTest, ExplicitPorts) {
  Url url = MustParse("http://localhost:8000");
  EXPECT_EQ(url.port, 8000);
  EXPECT_EQ(url.host, "localhost");
  EXPECT_EQ(url.Authority(), "localhost:8000");
  EXPECT_EQ(url.Origin(), "http://localhost:8000");

  // Default ports are left out of the Host header.
  EXPECT_EQ(MustParse("http://example.com:80/").Authority(), "example.com");
  EXPECT_EQ(MustParse("https://example.com:443/").Authority(), "example.com");
  EXPECT_EQ(MustParse("https://example.com:80/").Authority(), "example.com:80");
  EXPECT_EQ(MustParse("http://example.com:443/").Authority(), "example.com:443");
  EXPECT_EQ(MustParse("http://example.com:1").port, 1);
  EXPECT_EQ(MustParse("http://example.com:65535").port, 65535);
}

TEST(ParseUrlTest, SchemeAndHostAreLowerCased) {
  const Url url = MustParse("HTTPS://DynamoDB.Example.COM/Path/A?X=Y");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "dynamodb.example.com");
  EXPECT_EQ(url.path, "/Path/A");  // the path keeps its case
  EXPECT_EQ(url.query, "X=Y");
}

TEST(ParseUrlTest, Ipv6Literals) {
  Url url = MustParse("http://[::1]:8000/x");
  EXPECT_EQ(url.host, "[::1]");
  EXPECT_EQ(url.port, 8000);
  EXPECT_EQ(url.path, "/x");
  EXPECT_EQ(url.Authority(), "[::1]:8000");

  url = MustParse("https://[FE80::1]");
  EXPECT_EQ(url.host, "[fe80::1]");
  EXPECT_EQ(url.port, 0);
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(url.Authority(), "[fe80::1]");

  url = MustParse("http://[2001:db8::7]?a=b");
  EXPECT_EQ(url.host, "[2001:db8::7]");
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(url.query, "a=b");

  ExpectInvalid("http://[::1", "unterminated IPv6");
  ExpectInvalid("http://[::1]x/", "after IPv6");
  ExpectInvalid("http://[::1]:/", "port");
  ExpectInvalid("http://[::1]:0/", "port");
}

TEST(ParseUrlTest, PathAndQuerySplit) {
  Url url = MustParse("https://host/a/b%20c?x=1&y=%2F");
  EXPECT_EQ(url.path, "/a/b%20c");
  EXPECT_EQ(url.query, "x=1&y=%2F");

  url = MustParse("https://host?x=1");
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(url.query, "x=1");

  url = MustParse("https://host/?");
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(url.query, "");

  url = MustParse("https://host/p?q=a?b");
  EXPECT_EQ(url.path, "/p");
  EXPECT_EQ(url.query, "q=a?b");

  // A fragment is never sent.
  url = MustParse("https://host/p?q=1#frag");
  EXPECT_EQ(url.path, "/p");
  EXPECT_EQ(url.query, "q=1");
  url = MustParse("https://host#frag");
  EXPECT_EQ(url.host, "host");
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(url.query, "");
}

TEST(ParseUrlTest, BadScheme) {
  ExpectInvalid("ftp://host/", "scheme must be http or https");
  ExpectInvalid("httpx://host/", "scheme must be http or https");
  ExpectInvalid("://host/", "scheme must be http or https");
  ExpectInvalid("host:8000", "expected http://host");
  ExpectInvalid("dynamodb.us-east-1.amazonaws.com", "expected http://host");
  ExpectInvalid("", "expected http://host");
}

TEST(ParseUrlTest, BadPort) {
  for (const char* text :
       {"http://host:", "http://host:abc", "http://host:80x", "http://host:0", "http://host:65536",
        "http://host:-1", "http://host:99999999999", "http://host: 80", "http://host:+80"}) {
    ExpectInvalid(text, "port must be a number from 1 to 65535");
  }
}

TEST(ParseUrlTest, MissingHost) {
  ExpectInvalid("http://", "missing host");
  ExpectInvalid("https:///path", "missing host");
  ExpectInvalid("https://?q", "missing host");
  ExpectInvalid("http://:8000/", "missing host");
}

TEST(ParseUrlTest, UserInfoIsRejectedWithoutQuotingIt) {
  Result<Url> url = ParseUrl("https://admin:S3cr3tPw@minio.local:9000/x");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().message,
            "invalid URL 'https://...@minio.local:9000/x': user info is not supported");
  // A password with an unencoded '/' ends the authority early: still not quoted.
  url = ParseUrl("https://u:pa/ss@host");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().message.find("pa/ss"), std::string::npos) << url.error().message;
}

TEST(UriEncodeTest, UnreservedCharactersAreKept) {
  const std::string unreserved =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
  EXPECT_EQ(UriEncode(unreserved), unreserved);
}

TEST(UriEncodeTest, EverythingElseIsPercentEncodedUpperCase) {
  EXPECT_EQ(UriEncode(" "), "%20");
  EXPECT_EQ(UriEncode("+"), "%2B");
  EXPECT_EQ(UriEncode("*"), "%2A");
  EXPECT_EQ(UriEncode("a/b"), "a%2Fb");
  EXPECT_EQ(UriEncode("a/b", /*keep_slash=*/true), "a/b");
  EXPECT_EQ(UriEncode("%"), "%25");
  EXPECT_EQ(UriEncode("=&?#"), "%3D%26%3F%23");
  EXPECT_EQ(UriEncode("\xff\x00"s), "%FF%00");
  EXPECT_EQ(UriEncode("\u00e9"), "%C3%A9");
  EXPECT_EQ(UriEncode("\xe9"), "%E9");  // a Latin-1 byte is never left as is
  EXPECT_EQ(UriEncode(""), "");
}

TEST(UriDecodeTest, DecodesPercentSequences) {
  EXPECT_EQ(UriDecode("%20"), " ");
  EXPECT_EQ(UriDecode("a%2Fb%2fc"), "a/b/c");
  EXPECT_EQ(UriDecode("%C3%A9"), "\u00e9");
  EXPECT_EQ(UriDecode("%00"), "\0"s);
  EXPECT_EQ(UriDecode("%41%42"), "AB");
}

TEST(UriDecodeTest, LeavesMalformedSequencesAndPlus) {
  EXPECT_EQ(UriDecode("a+b"), "a+b");
  EXPECT_EQ(UriDecode("%"), "%");
  EXPECT_EQ(UriDecode("%4"), "%4");
  EXPECT_EQ(UriDecode("abc%"), "abc%");
  EXPECT_EQ(UriDecode("abc%4"), "abc%4");
  EXPECT_EQ(UriDecode("%zz"), "%zz");
  EXPECT_EQ(UriDecode("%4g"), "%4g");
  EXPECT_EQ(UriDecode("%%41"), "%A");
}

TEST(UriEncodeTest, RoundTrip) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(UriDecode(UriEncode(all)), all);
  EXPECT_EQ(UriDecode(UriEncode(all, true)), all);
}

}  // namespace
}  // namespace ddbm::aws
