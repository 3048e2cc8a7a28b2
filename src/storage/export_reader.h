// Finding and checking exports in a store before anything is imported from them (the
// importer's checklist, docs/export-layout.md section 7, steps 1 to 5 and 10): manifests
// present and matching their .md5 files, a known version and format, data file keys inside the
// export root, counts that add up, incremental chains without gaps. The data files themselves
// are checked as they are read (data_file_reader.h). Thread-safe (pure over the store).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/error.h"
#include "storage/export_manifest.h"
#include "storage/object_store.h"

namespace ddbm::storage {

// One export, its manifests read and checked.
struct ExportManifest {
  std::string folder;     // key of its folder, ending in '/': "p/AWSDynamoDB/<ExportId>/"
  std::string export_id;  // the folder's name
  ManifestSummary summary;
  // In manifest order; keys re-rooted onto the store (the manifest's keys start from the bucket
  // root where the export was written, which need not be the store's root here).
  std::vector<DataFileEntry> files;
  // Our own table definition (kTableDescriptionFile) when the export has one.
  std::optional<std::string> table_definition;
  std::vector<std::string> warnings;  // e.g. no .md5 to check a manifest against
};

// Reads the export in `folder` (a key ending in '/'). Errors are kInvalidInput and name the
// object and what is wrong with it; an ION export is recognised and refused as unsupported.
aws::Result<ExportManifest> ReadExportManifest(const ObjectStore& store, std::string folder);

// The exports that `location` names, in the order to apply them: `location` is either an
// export's own folder ("p/AWSDynamoDB/<ExportId>") or a prefix holding "AWSDynamoDB/" (every
// export under it). A prefix holding several full exports is refused unless `export_id` picks
// one; incremental exports are ordered by their windows and must form one chain (each starting
// where the previous ended), after the full export if there is one; the table must be the same
// throughout. With a full export, incremental exports whose window ended at or before its
// exportTime are left out (the full export's warnings name them), and the first of the others
// must start at or before that time. `export_id` may also name a single incremental export.
// An export folder with `_started` or objects under `data/` but no manifest-summary.json (which
// every export writes last) is unfinished (still running, or stopped): it is left out, named
// in the warnings of the first export returned; naming it with `export_id` or as `location`,
// or leaving only unfinished exports, is an error saying so.
aws::Result<std::vector<ExportManifest>> FindExports(const ObjectStore& store,
                                                     std::string_view location,
                                                     const std::optional<std::string>& export_id);

}  // namespace ddbm::storage
