#include "commands/side_flags.h"

#include "commands/flag_checks.h"

namespace ddbm::commands {

void AddSideFlags(CLI::App& app, const std::string& side, SideOptions* o) {
  const std::string group = side == "source" ? "Source side" : "Target side";
  o->side = side;
  app.add_option("--" + side + "-region", o->region, "Region of the " + side + " table")
      ->check(RegionName())
      ->group(group);
  app.add_option("--" + side + "-profile", o->profile, "Profile for the " + side + " table")
      ->group(group);
  app.add_option("--" + side + "-endpoint-url", o->endpoint_url,
                 "DynamoDB endpoint of the " + side + " table")
      ->group(group);
  CLI::Option* role = app.add_option("--" + side + "-role-arn", o->role_arn,
                                     "Role to assume for the " + side +
                                         " table (e.g. in another account) [API: sts:AssumeRole]")
                          ->group(group);
  // Without the role they would apply to nothing (not to a profile's role_arn): refused.
  app.add_option("--" + side + "-external-id", o->external_id,
                 "External id for --" + side + "-role-arn")
      ->needs(role)
      ->group(group);
  app.add_option("--" + side + "-role-session-name", o->role_session_name,
                 "Session name for --" + side + "-role-arn")
      ->needs(role)
      ->group(group);
}

}  // namespace ddbm::commands
