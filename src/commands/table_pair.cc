#include "commands/table_pair.h"

#include <fmt/format.h>

namespace ddbm::commands {

aws::Result<TablePair> OpenTablePair(const GlobalOptions& global, std::string_view source_table,
                                     SideOptions source_side, std::string_view target_table,
                                     SideOptions target_side) {
  TablePair pair;
  aws::Result<dynamodb::TableRef> source_ref = dynamodb::ParseTableRef(source_table);
  if (!source_ref.ok()) return AsUsageError(std::move(source_ref).error());
  aws::Result<dynamodb::TableRef> target_ref = dynamodb::ParseTableRef(target_table);
  if (!target_ref.ok()) return AsUsageError(std::move(target_ref).error());
  pair.source_ref = std::move(*source_ref);
  pair.target_ref = std::move(*target_ref);
  if (aws::Status s =
          dynamodb::CheckRegionFlag(pair.source_ref, source_side.region, "--source-region");
      !s.ok()) {
    return std::move(s).error();
  }
  if (aws::Status s =
          dynamodb::CheckRegionFlag(pair.target_ref, target_side.region, "--target-region");
      !s.ok()) {
    return std::move(s).error();
  }
  if (!source_side.region) source_side.region = pair.source_ref.region;
  if (!target_side.region) target_side.region = pair.target_ref.region;
  aws::Result<std::unique_ptr<Connection>> source = Connection::Open(global, source_side);
  if (!source.ok()) return std::move(source).error();
  aws::Result<std::unique_ptr<Connection>> target = Connection::Open(global, target_side);
  if (!target.ok()) return std::move(target).error();
  pair.source = std::move(*source);
  pair.target = std::move(*target);
  aws::Result<dynamodb::TableDescription> described =
      DescribeRole(*pair.source, pair.source_ref, "source table");
  if (!described.ok()) return std::move(described).error();
  pair.source_table = std::move(*described);
  return pair;
}

aws::Result<dynamodb::TableDescription> DescribeRef(const Connection& connection,
                                                    const dynamodb::TableRef& ref) {
  aws::Result<dynamodb::TableDescription> table = connection.dynamodb().DescribeTable(ref.name);
  if (!table.ok()) return table;
  if (aws::Status s = dynamodb::CheckDescribedTable(ref, *table); !s.ok()) {
    return std::move(s).error();
  }
  return table;
}

aws::Status CheckAccountBeforeCreate(const Connection& connection, const dynamodb::TableRef& ref) {
  if (!ref.account) return aws::Status::Ok();
  aws::Result<std::vector<std::string>> names = connection.dynamodb().ListTables();
  if (!names.ok()) return aws::Status::Ok();
  for (const std::string& name : *names) {
    if (name == ref.name) continue;
    aws::Result<dynamodb::TableDescription> other = connection.dynamodb().DescribeTable(name);
    if (!other.ok()) return aws::Status::Ok();
    aws::Result<dynamodb::TableRef> reached = dynamodb::ParseTableRef(other->table_arn);
    if (!reached.ok() || !reached->account || *reached->account == *ref.account) {
      return aws::Status::Ok();
    }
    return aws::Error::Make(
        aws::ErrorKind::kInvalidInput,
        fmt::format("table {} is named in account {}, but these settings reach account {} (where "
                    "{} is); use credentials of the account that owns it (a profile, or a role "
                    "to assume in that account); nothing was created",
                    ref.name, *ref.account, *reached->account, other->table_arn));
  }
  return aws::Status::Ok();
}

aws::Result<dynamodb::TableDescription> DescribeRole(const Connection& connection,
                                                     const dynamodb::TableRef& ref,
                                                     std::string_view role) {
  aws::Result<dynamodb::TableDescription> table = DescribeRef(connection, ref);
  if (!table.ok()) return DescribeError(std::move(table).error(), role, ref.name);
  return table;
}

aws::Status CheckSameKeySchema(const dynamodb::TableDescription& source,
                               const dynamodb::TableDescription& target, std::string_view advice) {
  if (source.KeySchemaText() == target.KeySchemaText()) return aws::Status::Ok();
  return aws::Error::Make(
      aws::ErrorKind::kInvalidInput,
      fmt::format("key schemas differ: source {} has {}, target {} has {}; {}", source.table_name,
                  source.KeySchemaText(), target.table_name, target.KeySchemaText(), advice));
}

}  // namespace ddbm::commands
