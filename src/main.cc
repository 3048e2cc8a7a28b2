// ddbmigrate's entry point: parses the command line, runs one command, and alone decides the
// exit code: 0 success, 1 failure, 2 bad usage, 3 finished but incomplete (items not moved),
// 130 interrupted (Ctrl-C; 143 for SIGTERM) after saving the checkpoint.
#include <CLI/CLI.hpp>

#include <malloc.h>

#include <exception>
#include <iostream>

#include "commands/command.h"
#include "commands/interrupt.h"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitIncomplete = 3;

void AddGlobalFlags(CLI::App& app, ddbm::commands::GlobalOptions& o) {
  app.add_option("--region", o.region, "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, profile)");
  app.add_option("--profile", o.profile, "Named profile from the AWS config files");
  app.add_option("--endpoint-url", o.endpoint_url,
                 "Send DynamoDB requests here (e.g. http://127.0.0.1:8000 for DynamoDB Local)");
  app.add_option("--output", o.output, "Output format")->check(CLI::IsMember({"table", "json"}));
  app.add_flag("--no-verify-ssl", o.no_verify_ssl, "Do not verify TLS certificates");
  app.add_option("--ca-bundle", o.ca_bundle, "PEM bundle of CA certificates to trust");
  CLI::Option* max_attempts =
      app.add_option("--max-attempts", o.max_attempts,
                     "Attempts per request before giving up, throttled ones included (default: "
                     "10 for 5xx and connection errors, more once the service has answered, see "
                     "--retry-window; no limit while throttled)")
          ->check(CLI::Range(1, 1000));
  app.add_option("--retry-window", o.retry_window,
                 "Once a service has answered, a request failing with 5xx or connection errors "
                 "is retried past its 10 attempts for up to this many seconds, so that a run "
                 "rides out an outage (default: " +
                     std::to_string(ddbm::commands::kDefaultRetryWindowSeconds) +
                     "; 0: 10 attempts only)")
      ->check(CLI::Range(0, 86400))
      ->excludes(max_attempts);
  app.add_flag("--debug", o.debug, "Print request-level diagnostics to stderr");
}

}  // namespace

int main(int argc, char** argv) {
  // Fixed allocator thresholds: glibc's adaptive ones end up either mapping and unmapping
  // memory per Scan page (page faults and cross-thread TLB flushes) or never returning it
  // (growth with the table). Large bodies are recycled by aws::BufferPool instead.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  try {
    CLI::App app("ddbmigrate: move Amazon DynamoDB data exactly, resumably, fast", "ddbmigrate");
    app.set_version_flag("--version", std::string("ddbmigrate ") + DDBM_VERSION);
    app.require_subcommand(1);
    app.fallthrough();  // global flags may follow the subcommand name
    ddbm::commands::GlobalOptions options;
    AddGlobalFlags(app, options);
    std::vector<std::unique_ptr<ddbm::commands::Command>> commands = ddbm::commands::AllCommands();
    for (auto& command : commands) {
      CLI::App* sub = app.add_subcommand(command->name(), command->description());
      command->AddFlags(*sub);
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);
      // The help of the command being parsed, when the parser got that far.
      const std::vector<CLI::App*> parsed = app.get_subcommands();
      std::cerr << "ddbmigrate: error: " << e.what() << " (see ddbmigrate "
                << (parsed.empty() ? "" : parsed.front()->get_name() + " ") << "--help)\n";
      return kExitUsage;
    }
    for (auto& command : commands) {
      if (!app.got_subcommand(command->name())) continue;
      ddbm::aws::Result<ddbm::commands::Outcome> outcome = command->Run(options);
      if (!outcome.ok()) {
        // A request whose retries a Ctrl-C ended: the run was stopped, not failed.
        if (outcome.error().kind == ddbm::aws::ErrorKind::kCancelled &&
            ddbm::commands::StopFlag()->load()) {
          std::cerr << "ddbmigrate: stopped: " << outcome.error().ToString() << '\n';
          return ddbm::commands::InterruptExitStatus();
        }
        std::cerr << "ddbmigrate: error: " << outcome.error().ToString();
        if (outcome.error().kind == ddbm::aws::ErrorKind::kUsage) {
          std::cerr << " (see ddbmigrate " << command->name() << " --help)\n";
          return kExitUsage;
        }
        std::cerr << '\n';
        return kExitFailure;
      }
      switch (*outcome) {
        case ddbm::commands::Outcome::kSuccess:
          return 0;
        case ddbm::commands::Outcome::kIncomplete:
          return kExitIncomplete;
        case ddbm::commands::Outcome::kInterrupted:
          return ddbm::commands::InterruptExitStatus();
      }
    }
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "ddbmigrate: internal error: " << e.what() << '\n';
    return kExitFailure;
  }
}
