#include "storage/manifest_io.h"

#include "storage/md5.h"

namespace ddbm::storage {

std::string ManifestChecksumKey(std::string_view manifest_key) {
  std::string_view stem = manifest_key;
  if (stem.ends_with(".json")) stem.remove_suffix(std::string_view(".json").size());
  return std::string(stem) + ".md5";
}

aws::Status PutManifest(ObjectStore& store, const std::string& manifest_key,
                        std::string_view text) {
  const std::string md5_key = ManifestChecksumKey(manifest_key);
  if (aws::Status s = store.Delete(md5_key); !s.ok()) return s;
  if (aws::Status s = store.Put(manifest_key, text); !s.ok()) return s;
  return store.Put(md5_key, Md5Base64(text));
}

aws::Result<std::optional<std::string>> ReadCheckedManifest(const ObjectStore& store,
                                                            const std::string& manifest_key) {
  for (const std::string& key : {manifest_key, ManifestChecksumKey(manifest_key)}) {
    aws::Result<bool> exists = store.Exists(key);
    if (!exists.ok()) return std::move(exists).error();
    if (!*exists) return std::optional<std::string>();
  }
  aws::Result<std::string> text = store.Get(manifest_key);
  if (!text.ok()) return std::move(text).error();
  aws::Result<std::string> md5 = store.Get(ManifestChecksumKey(manifest_key));
  if (!md5.ok()) return std::move(md5).error();
  if (Md5Base64(*text) != *md5) return std::optional<std::string>();
  return std::optional<std::string>(std::move(*text));
}

}  // namespace ddbm::storage
