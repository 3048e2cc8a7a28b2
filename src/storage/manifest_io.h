// Writing and re-reading an export's manifests ("<stem>.json") with the MD5 files beside them
// ("<stem>.md5", the base64 MD5 of the manifest's bytes), so that a crash between two writes
// never leaves a manifest that its checksum contradicts. Thread-safe as the store is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/error.h"
#include "storage/object_store.h"

namespace ddbm::storage {

// "<stem>.md5" for a manifest key "<stem>.json".
std::string ManifestChecksumKey(std::string_view manifest_key);

// A manifest read with its checksum file: "<stem>.md5", or AWS's documented "<stem>.checksum"
// (its base64 MD5; blanks and line ends after it ignored).
struct ManifestRead {
  std::string text;
  std::string checksum_key;  // empty: the manifest has no checksum file
  std::string expected_md5;  // from the checksum file
  std::string md5;           // of `text`
  bool matches() const { return !checksum_key.empty() && expected_md5 == md5; }
};

// Reads `manifest_key` (missing: the store's NoSuchKey error) and its checksum file, if any.
aws::Result<ManifestRead> ReadManifestAndChecksum(const ObjectStore& store,
                                                  const std::string& manifest_key);

// Whether a manifest written may replace one written before (an export resumed), or is the
// first in its folder (a fresh export's folder is new: nothing there to replace).
enum class ManifestWrite { kFirst, kMayReplace };

// Writes `text` to `manifest_key`, then its MD5 to the .md5 beside it. With kMayReplace an
// existing .md5 is deleted first: a crash between the writes leaves a manifest with no checksum
// (read with a warning), never a new manifest beside its predecessor's checksum (refused as
// corrupt). kFirst sends no delete, so a fresh export needs no s3:DeleteObject.
aws::Status PutManifest(ObjectStore& store, const std::string& manifest_key, std::string_view text,
                        ManifestWrite write);

// The manifest's text when it and its checksum exist and agree; nullopt when either is missing
// or they disagree (a manifest to write again).
aws::Result<std::optional<std::string>> ReadCheckedManifest(const ObjectStore& store,
                                                            const std::string& manifest_key);

}  // namespace ddbm::storage
