#include "storage/export_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "aws/iso8601.h"
#include "storage/export_layout.h"
#include "storage/manifest_io.h"

namespace ddbm::storage {
namespace {

aws::Error Invalid(std::string message) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, std::move(message));
}

std::string_view StripSlashes(std::string_view text) {
  while (!text.empty() && text.front() == '/') text.remove_prefix(1);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return text;
}

// Reads `key`, checked against its checksum file when it has one.
aws::Result<std::string> ReadChecked(const ObjectStore& store, const std::string& key,
                                     std::vector<std::string>* warnings) {
  aws::Result<ManifestRead> read = ReadManifestAndChecksum(store, key);
  if (!read.ok()) {
    aws::Error error = std::move(read).error();
    if (error.code == "NoSuchKey") {  // said in the export's terms, not as S3's error code
      return aws::Error::Make(aws::ErrorKind::kInvalidInput,
                              store.Describe(key) + " is missing; is this an export's folder?");
    }
    return error;
  }
  if (read->checksum_key.empty()) {
    warnings->push_back(
        fmt::format("{} has no .md5 file to check it against", store.Describe(key)));
  } else if (!read->matches()) {
    return Invalid(
        fmt::format("{} does not match its checksum {} ({}, {} found): "
                    "the file is corrupt or was changed after the export",
                    store.Describe(key), store.Describe(read->checksum_key),
                    read->expected_md5.empty() ? std::string("which is empty")
                                               : "MD5 " + read->expected_md5 + " expected",
                    read->md5));
  }
  return std::move(read->text);
}

// The key of a member file as manifests give it: from the bucket root.
bool InsideExportsRoot(std::string_view key, std::string_view root) {
  if (!key.starts_with(root) || key.starts_with('/')) return false;
  // No ".." segment (a name may hold two dots: "v1..old").
  for (size_t start = 0; start <= key.size();) {
    const size_t end = std::min(key.find('/', start), key.size());
    if (key.substr(start, end - start) == "..") return false;
    start = end + 1;
  }
  return true;
}

constexpr std::string_view kDataFolder = "data/";

// Why an export's folder with no manifest-summary.json is not imported, and what to do.
std::string UnfinishedReason() {
  return fmt::format(
      "it has no {} (an export writes it last), so it is an export still running or one that "
      "stopped; a ddbmigrate export stopped with --checkpoint is finished by the same export "
      "command with --resume",
      kManifestSummaryFile);
}

// Whether `folder` (ending in '/') holds _started or data files but no manifest-summary.json.
aws::Result<bool> IsUnfinishedFolder(const ObjectStore& store, const std::string& folder) {
  aws::Result<bool> started = store.Exists(folder + std::string(kStartedFile));
  if (!started.ok()) return std::move(started).error();
  if (!*started) {
    aws::Result<std::vector<ObjectInfo>> data = store.List(folder + std::string(kDataFolder));
    if (!data.ok()) return std::move(data).error();
    if (data->empty()) return false;
  }
  aws::Result<bool> summary = store.Exists(folder + std::string(kManifestSummaryFile));
  if (!summary.ok()) return std::move(summary).error();
  return !*summary;
}

}  // namespace

aws::Result<ExportManifest> ReadExportManifest(const ObjectStore& store, std::string folder) {
  ExportManifest m;
  m.folder = std::move(folder);
  {
    std::string_view name = StripSlashes(m.folder);
    const size_t slash = name.rfind('/');
    m.export_id = std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
  }
  const std::string summary_key = m.folder + std::string(kManifestSummaryFile);
  aws::Result<std::string> summary_text = ReadChecked(store, summary_key, &m.warnings);
  if (!summary_text.ok()) return std::move(summary_text).error();
  aws::Result<ManifestSummary> summary =
      ParseManifestSummary(*summary_text, store.Describe(summary_key));
  if (!summary.ok()) return std::move(summary).error();
  m.summary = std::move(*summary);
  const ManifestSummary& s = m.summary;
  const std::string where = store.Describe(summary_key);

  if (s.version != "2020-06-30" && s.version != "2023-08-01") {
    return Invalid(
        fmt::format("{}: unknown manifest version '{}' (known: 2020-06-30, "
                    "2023-08-01)",
                    where, s.version));
  }
  if (s.export_type && *s.export_type != "INCREMENTAL_EXPORT" && *s.export_type != "FULL_EXPORT") {
    return Invalid(fmt::format("{}: unknown exportType '{}'", where, *s.export_type));
  }
  if (s.output_format == "ION") {
    return Invalid(
        fmt::format("{}: ION exports are not supported yet; export the table again "
                    "with ExportFormat DYNAMODB_JSON",
                    where));
  }
  if (s.output_format != "DYNAMODB_JSON") {
    return Invalid(fmt::format("{}: unknown outputFormat '{}'", where, s.output_format));
  }

  // The bucket root is the folder holding "AWSDynamoDB/": the manifest's keys are from there.
  const std::string root_key = [&] {
    const size_t at = m.folder.rfind("AWSDynamoDB/");
    return at == std::string::npos ? std::string() : m.folder.substr(0, at);
  }();
  const std::string exports_root = root_key + "AWSDynamoDB/";
  // The manifests' keys start from the bucket root, the export's prefix included; the store may
  // be rooted elsewhere (a local copy of the prefix's folder, say): re-root them onto the
  // folder that holds AWSDynamoDB/ here.
  const std::string key_prefix = s.s3_prefix && !s.s3_prefix->empty() ? *s.s3_prefix + "/" : "";
  auto resolve = [&](const std::string& key) {
    return key.starts_with(key_prefix) ? root_key + key.substr(key_prefix.size()) : key;
  };
  const std::string files_key = resolve(s.manifest_files_s3_key);
  if (!InsideExportsRoot(files_key, exports_root)) {
    return Invalid(fmt::format("{}: manifestFilesS3Key '{}' is not under {}", where,
                               s.manifest_files_s3_key, store.Describe(exports_root)));
  }
  aws::Result<std::string> files_text = ReadChecked(store, files_key, &m.warnings);
  if (!files_text.ok()) return std::move(files_text).error();
  aws::Result<std::vector<DataFileEntry>> files =
      ParseManifestFiles(*files_text, store.Describe(files_key));
  if (!files.ok()) return std::move(files).error();
  m.files = std::move(*files);

  std::set<std::string> seen;
  int64_t total = 0;
  for (DataFileEntry& f : m.files) {
    const std::string listed = f.data_file_s3_key;
    f.data_file_s3_key = resolve(listed);
    if (!InsideExportsRoot(f.data_file_s3_key, exports_root)) {
      return Invalid(fmt::format("{}: data file key '{}' is not under {}",
                                 store.Describe(files_key), listed, store.Describe(exports_root)));
    }
    if (!seen.insert(f.data_file_s3_key).second) {
      return Invalid(
          fmt::format("{}: data file '{}' is listed twice", store.Describe(files_key), listed));
    }
    total += f.item_count;
  }
  if (total != s.item_count) {
    return Invalid(
        fmt::format("{}: the data files hold {} items by manifest-files.json, the "
                    "summary says {}; the export is incomplete or corrupt",
                    where, total, s.item_count));
  }

  const std::string definition_key = m.folder + std::string(kTableDescriptionFile);
  aws::Result<bool> has_definition = store.Exists(definition_key);
  if (!has_definition.ok()) return std::move(has_definition).error();
  if (*has_definition) {
    aws::Result<std::string> definition = store.Get(definition_key);
    if (!definition.ok()) return std::move(definition).error();
    m.table_definition = std::move(*definition);
  }
  return m;
}

aws::Result<std::vector<ExportManifest>> FindExports(const ObjectStore& store,
                                                     std::string_view location,
                                                     const std::optional<std::string>& export_id) {
  const std::string base(StripSlashes(location));
  const std::string described = store.Describe(base);
  // An export's own folder (its keys are resolved from the folder holding AWSDynamoDB/, so
  // the location must reach it through a prefix).
  if (!base.empty()) {
    aws::Result<bool> direct = store.Exists(base + "/" + std::string(kManifestSummaryFile));
    if (!direct.ok()) return std::move(direct).error();
    if (*direct) {
      aws::Result<ExportManifest> one = ReadExportManifest(store, base + "/");
      if (!one.ok()) return std::move(one).error();
      if (export_id && *export_id != one->export_id) {
        return aws::Error::Make(
            aws::ErrorKind::kInvalidInput,
            fmt::format("{} is the folder of export {}, not of export {}; give the prefix that "
                        "holds AWSDynamoDB/ with --export-id, or drop --export-id",
                        described, one->export_id, *export_id));
      }
      std::vector<ExportManifest> result;
      result.push_back(std::move(*one));
      return result;
    }
  }
  // A location ending in AWSDynamoDB is that folder, or (as an export --to it nests one, like
  // AWS's for such a prefix) the prefix holding another: the first that holds an export wins.
  std::vector<std::string> roots;
  if (base.ends_with("AWSDynamoDB")) roots.push_back(base + "/");
  roots.push_back(base.empty() ? "AWSDynamoDB/" : base + "/AWSDynamoDB/");
  // What one root holds: its finished exports (those export_id asks for) and the folders of
  // exports begun there, finished or not.
  struct Listing {
    std::string root;
    std::vector<std::string> folders;
    std::set<std::string> begun;
    std::set<std::string> finished;
  };
  std::vector<Listing> listings;
  for (const std::string& candidate : roots) {
    Listing& l = listings.emplace_back();
    l.root = candidate;
    aws::Result<std::vector<ObjectInfo>> listed = store.List(l.root);
    if (!listed.ok()) return std::move(listed).error();
    // Only direct children of AWSDynamoDB/ are exports. One with _started or data/ but no
    // manifest-summary.json (written last) is unfinished: still running, or stopped.
    for (const ObjectInfo& o : *listed) {
      if (!o.key.starts_with(l.root)) continue;
      const std::string_view rest = std::string_view(o.key).substr(l.root.size());
      const size_t slash = rest.find('/');
      if (slash == std::string_view::npos || slash == 0) continue;
      const std::string folder = l.root + std::string(rest.substr(0, slash + 1));
      const std::string_view member = rest.substr(slash + 1);
      if (member == kStartedFile || member.starts_with(kDataFolder)) l.begun.insert(folder);
      if (member != kManifestSummaryFile) continue;
      l.finished.insert(folder);
      if (export_id && folder != l.root + *export_id + "/") continue;
      l.folders.push_back(folder);
    }
  }
  // The first root holding what is asked for (that export, or a finished one) wins; else the
  // first holding an unfinished one, whose state the messages below tell; else the first.
  auto pick = [&]() -> Listing& {
    for (Listing& l : listings) {
      if (!l.folders.empty()) return l;
      if (export_id && l.begun.contains(l.root + *export_id + "/")) return l;
    }
    for (Listing& l : listings) {
      if (!l.begun.empty() || !l.finished.empty()) return l;
    }
    return listings.front();
  };
  Listing& chosen = pick();
  const std::string root = chosen.root;
  // Every folder looked in, for the messages that nothing was found.
  std::string searched = store.Describe(listings.front().root);
  if (listings.size() > 1) searched += " or " + store.Describe(listings.back().root);
  std::vector<std::string> folders = std::move(chosen.folders);
  const std::set<std::string> begun = std::move(chosen.begun);
  const std::set<std::string> finished = std::move(chosen.finished);
  std::vector<std::string> unfinished;
  for (const std::string& folder : begun) {
    if (!finished.contains(folder)) unfinished.push_back(folder);
  }
  if (export_id) {
    const std::string folder = root + *export_id + "/";
    if (folders.empty() && std::ranges::find(unfinished, folder) != unfinished.end()) {
      return Invalid(fmt::format("export {} ({}) is unfinished: {}", *export_id,
                                 store.Describe(folder), UnfinishedReason()));
    }
    unfinished.clear();  // the others are not asked for
  }
  if (folders.empty()) {
    if (export_id) {
      return Invalid(fmt::format("no export {} under {}", *export_id, searched));
    }
    if (!unfinished.empty()) {
      return Invalid(fmt::format(
          "no finished export at {}: {} is unfinished{}: {}", described,
          store.Describe(unfinished.front()),
          unfinished.size() > 1 ? fmt::format(" (and {} more)", unfinished.size() - 1) : "",
          UnfinishedReason()));
    }
    if (!base.empty()) {
      // `location` may be an unfinished export's own folder.
      aws::Result<bool> unfinished_folder = IsUnfinishedFolder(store, base + "/");
      if (!unfinished_folder.ok()) return std::move(unfinished_folder).error();
      if (*unfinished_folder) {
        return Invalid(
            fmt::format("{} is an unfinished export: {}", described, UnfinishedReason()));
      }
    }
    return Invalid(
        fmt::format("no export found at {}: expected <ExportId>/{} under {} (an AWS or "
                    "ddbmigrate export); check the location",
                    described, kManifestSummaryFile, searched));
  }
  std::vector<ExportManifest> exports;
  for (const std::string& folder : folders) {
    aws::Result<ExportManifest> m = ReadExportManifest(store, folder);
    if (!m.ok()) return std::move(m).error();
    exports.push_back(std::move(*m));
  }
  // The unfinished exports are named in the warnings of the first export imported.
  auto warn_unfinished = [&](ExportManifest& first) {
    std::vector<std::string> notes;
    for (const std::string& folder : unfinished) {
      notes.push_back(fmt::format("skipped the unfinished export {}: {}", store.Describe(folder),
                                  UnfinishedReason()));
    }
    first.warnings.insert(first.warnings.begin(), notes.begin(), notes.end());
  };
  // One export is imported whatever its times say: only several need ordering.
  if (exports.size() == 1) {
    warn_unfinished(exports.front());
    return exports;
  }
  // Times are compared as instants, not as text: manifests of other writers may give fewer or
  // more fraction digits than AWS's three.
  auto instant =
      [&](const ExportManifest& e, std::string_view member,
          const std::string& text) -> aws::Result<std::chrono::system_clock::time_point> {
    std::optional<std::chrono::system_clock::time_point> at = aws::ParseIso8601(text);
    if (!at) {
      return Invalid(fmt::format("{}: {} '{}' is not an ISO 8601 time",
                                 store.Describe(e.folder + std::string(kManifestSummaryFile)),
                                 member, text));
    }
    return *at;
  };
  struct Window {
    std::chrono::system_clock::time_point from;  // a full export's: its exportTime
    std::chrono::system_clock::time_point to;
  };
  std::vector<Window> windows;
  for (const ExportManifest& e : exports) {
    const ManifestSummary& s = e.summary;
    aws::Result<std::chrono::system_clock::time_point> from =
        s.incremental() ? instant(e, "exportFromTime", s.export_from_time.value_or(""))
                        : instant(e, "exportTime", s.export_time);
    if (!from.ok()) return std::move(from).error();
    aws::Result<std::chrono::system_clock::time_point> to =
        s.incremental() ? instant(e, "exportToTime", s.export_to_time.value_or("")) : *from;
    if (!to.ok()) return std::move(to).error();
    windows.push_back({*from, *to});
  }
  std::vector<size_t> order(exports.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (exports[a].summary.incremental() != exports[b].summary.incremental()) {
      return !exports[a].summary.incremental();  // the full export first
    }
    return windows[a].from < windows[b].from;
  });
  size_t fulls = 0;
  for (const ExportManifest& e : exports) fulls += e.summary.incremental() ? 0 : 1;
  if (fulls > 1) {
    std::string ids;
    for (const ExportManifest& e : exports) {
      if (!e.summary.incremental()) ids += (ids.empty() ? "" : ", ") + e.export_id;
    }
    return Invalid(fmt::format("{} holds {} full exports ({}); pick one with --export-id",
                               store.Describe(root), fulls, ids));
  }
  for (size_t i = 1; i < order.size(); ++i) {
    const ExportManifest& first = exports[order[0]];
    const ExportManifest& other = exports[order[i]];
    if (first.summary.table_arn != other.summary.table_arn ||
        first.summary.table_id != other.summary.table_id) {
      // The same ARN with another tableId is a table deleted and created again under its name.
      const bool same_arn = first.summary.table_arn == other.summary.table_arn;
      return Invalid(fmt::format(
          "exports {} and {} are of different tables ({} and {}{}); pick one with --export-id",
          first.export_id, other.export_id,
          same_arn ? "tableId " + first.summary.table_id.value_or("(none)")
                   : first.summary.table_arn,
          same_arn ? "tableId " + other.summary.table_id.value_or("(none)")
                   : other.summary.table_arn,
          same_arn ? ", both named " + first.summary.table_arn : ""));
    }
  }
  // Incremental exports whose window ended by the time the full export was taken hold only
  // changes the full export already has (or older states of its items): applied after it they
  // would bring those older states back. They are left out, and the full export's warnings say
  // so.
  std::vector<ExportManifest> chain;
  std::vector<Window> chain_windows;
  for (size_t i : order) {
    if (!chain.empty() && !chain.front().summary.incremental() &&
        exports[i].summary.incremental() && windows[i].to <= chain_windows.front().from) {
      chain.front().warnings.push_back(fmt::format(
          "incremental export {} (changes from {} to {}) ended before full export {} was taken "
          "({}): skipped, since the full export already holds its changes",
          exports[i].export_id, exports[i].summary.export_from_time.value_or("?"),
          exports[i].summary.export_to_time.value_or("?"), chain.front().export_id,
          chain.front().summary.export_time));
      continue;
    }
    chain.push_back(std::move(exports[i]));
    chain_windows.push_back(windows[i]);
  }
  for (size_t i = 1; i < chain.size(); ++i) {
    const ManifestSummary& prev = chain[i - 1].summary;
    const ManifestSummary& next = chain[i].summary;
    if (!prev.incremental()) {
      if (chain_windows[i].from > chain_windows[i - 1].from) {
        return Invalid(fmt::format(
            "incremental export {} starts at {}, after full export {} was taken ({}): the "
            "changes in between are in no export; import the full export alone with "
            "--export-id {}, or add the incremental exports that cover the gap",
            chain[i].export_id, next.export_from_time.value_or("?"), chain[i - 1].export_id,
            prev.export_time, chain[i - 1].export_id));
      }
      continue;
    }
    if (chain_windows[i].from != chain_windows[i - 1].to) {
      return Invalid(fmt::format(
          "incremental exports {} (to {}) and {} (from {}) do not form a chain: a gap or an "
          "overlap; {}leave only exports that form a chain in the location",
          chain[i - 1].export_id, prev.export_to_time.value_or("?"), chain[i].export_id,
          next.export_from_time.value_or("?"),
          chain.front().summary.incremental()
              ? std::string()
              : fmt::format("import the full export alone with --export-id {}, or ",
                            chain.front().export_id)));
    }
  }
  warn_unfinished(chain.front());
  return chain;
}

}  // namespace ddbm::storage
