#include "storage/manifest_io.h"

#include <optional>

#include "aws/base64.h"
#include "aws/url.h"
#include "storage/md5.h"

namespace ddbm::storage {
namespace {

// The MD5 digest that `text` spells in hex (either case); nullopt when it is not 32 hex digits.
std::optional<std::string> HexDigest(std::string_view text) {
  if (text.size() != 2 * Md5::kDigestSize) return std::nullopt;
  std::string digest;
  for (size_t i = 0; i < text.size(); i += 2) {
    const int high = aws::HexDigitValue(text[i]);
    const int low = aws::HexDigitValue(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest.push_back(static_cast<char>(high * 16 + low));
  }
  return digest;
}

}  // namespace

std::string ManifestChecksumKey(std::string_view manifest_key) {
  std::string_view stem = manifest_key;
  if (stem.ends_with(".json")) stem.remove_suffix(std::string_view(".json").size());
  return std::string(stem) + ".md5";
}

aws::Status PutManifest(ObjectStore& store, const std::string& manifest_key, std::string_view text,
                        ManifestWrite write) {
  const std::string md5_key = ManifestChecksumKey(manifest_key);
  if (write == ManifestWrite::kMayReplace) {
    if (aws::Status s = store.Delete(md5_key); !s.ok()) return s;
  }
  if (aws::Status s = store.Put(manifest_key, text); !s.ok()) return s;
  return store.Put(md5_key, Md5Base64(text));
}

aws::Result<ManifestRead> ReadManifestAndChecksum(const ObjectStore& store,
                                                  const std::string& manifest_key) {
  aws::Result<std::string> text = store.Get(manifest_key);
  if (!text.ok()) return std::move(text).error();
  ManifestRead read;
  read.text = std::move(*text);
  read.md5 = Md5Base64(read.text);
  std::string_view stem = manifest_key;
  if (stem.ends_with(".json")) stem.remove_suffix(std::string_view(".json").size());
  for (const char* suffix : {".md5", ".checksum"}) {
    const std::string key = std::string(stem) + suffix;
    aws::Result<bool> exists = store.Exists(key);
    if (!exists.ok()) return std::move(exists).error();
    if (!*exists) continue;
    aws::Result<std::string> expected = store.Get(key);
    if (!expected.ok()) return std::move(expected).error();
    std::string want = std::move(*expected);
    while (!want.empty() && (want.back() == '\n' || want.back() == '\r' || want.back() == ' ')) {
      want.pop_back();
    }
    // A checksum file written by hand holds the digest in hex, as md5sum prints it (the file's
    // name after two spaces): compared as base64.
    const std::string_view first = std::string_view(want).substr(0, want.find(' '));
    if (std::optional<std::string> digest = HexDigest(first)) want = aws::EncodeBase64(*digest);
    read.checksum_key = key;
    read.expected_md5 = std::move(want);
    break;
  }
  return read;
}

aws::Result<std::optional<std::string>> ReadCheckedManifest(const ObjectStore& store,
                                                            const std::string& manifest_key) {
  aws::Result<bool> exists = store.Exists(manifest_key);
  if (!exists.ok()) return std::move(exists).error();
  if (!*exists) return std::optional<std::string>();
  aws::Result<ManifestRead> read = ReadManifestAndChecksum(store, manifest_key);
  if (!read.ok()) return std::move(read).error();
  if (!read->matches()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(read->text));
}

}  // namespace ddbm::storage
