// MD5 and the checksum forms AWS exports and S3 record with it: base64 digests (md5Checksum,
// the manifests' .md5 files, Content-MD5) and multipart ETags (see docs/export-layout.md §3).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ddbm::storage {

// Incremental MD5. Not thread-safe; one object per stream. Movable, not copyable; a moved-from
// object may only be destroyed or assigned to.
class Md5 {
 public:
  static constexpr size_t kDigestSize = 16;

  Md5();
  ~Md5();
  Md5(Md5&& other) noexcept;
  Md5& operator=(Md5&& other) noexcept;
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void Update(std::string_view bytes);
  // The binary digest (kDigestSize bytes) of everything passed to Update since construction or
  // the previous Finish; the object then starts over on an empty stream.
  std::string Finish();
  // Base64 of Finish(): the form of md5Checksum, the .md5 files and Content-MD5.
  std::string FinishBase64();

  // The binary digest of `bytes`.
  static std::string Digest(std::string_view bytes);

 private:
  struct Context;
  std::unique_ptr<Context> context_;  // null only after a move
};

// Two lowercase hex digits per byte.
std::string LowerHex(std::string_view bytes);

// Base64 of the MD5 of `bytes`: a data file's md5Checksum (over the .json.gz bytes as stored)
// and the content of the manifests' .md5 files.
std::string Md5Base64(std::string_view bytes);

// The S3 ETag of a multipart upload whose parts have the given binary MD5 digests, in upload
// order: lowercase hex MD5 of the concatenated digests, "-", the number of parts.
// REQUIRES: at least one digest (an empty object is uploaded as one empty part).
std::string MultipartEtag(const std::vector<std::string>& binary_part_md5s);
// MultipartEtag of `bytes` uploaded as one part: what AWS exports record for every data file.
std::string SinglePartEtag(std::string_view bytes);

}  // namespace ddbm::storage
