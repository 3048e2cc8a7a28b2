// ProcessTransform: an ItemTransform that is a command of the user's (copy --transform CMD), run
// as `/bin/sh -c CMD` with the items on its stdin and its answers on its stdout.
//
// The command reads one item per line (DynamoDB JSON, the bytes the source returned) and writes
// one line per line read, flushed: an item, an array of items, or null (see
// ReadTransformAnswers). It stays running for the whole copy, answering page after page; its
// stderr is ours. One process serves one reader thread at a time; processes are started as
// reader threads first need them, so there are at most as many as readers.
//
// Starting one makes this process ignore SIGPIPE (a transform that exits must give an error,
// not end the copy); the transform processes get the default action back.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "aws/clock.h"
#include "pipeline/item_transform.h"

namespace ddbm::pipeline {

// One running transform command. Not thread-safe.
class TransformProcess {
 public:
  // Starts `command`. kInvalidInput when it cannot be started.
  static aws::Result<std::unique_ptr<TransformProcess>> Start(const std::string& command);
  ~TransformProcess();  // closes its stdin and waits for it, killing it if it does not exit
  TransformProcess(const TransformProcess&) = delete;
  TransformProcess& operator=(const TransformProcess&) = delete;

  // Writes `input` (whole lines) to its stdin while reading its stdout, until `lines` lines have
  // come (kInvalidInput when they come before all of `input` was read: more lines than items);
  // returns them, with whatever more is already there (for the caller to refuse). Errors: it exited
  // or closed its stdout first (with its exit status), or answered nothing for `stall` (the clock's
  // steady time; with what to check, e.g. that it flushes each line), or `stopping` returned true
  // (kCancelled). After an error the process must not be used again.
  aws::Result<std::string> Exchange(std::string_view input, size_t lines,
                                    const std::function<bool()>& stopping, aws::Clock* clock,
                                    std::chrono::milliseconds stall);

  // Ok when it has written nothing since its last answers, waiting kQuietWait for lines still
  // on their way (kInvalidInput with code kTransformOutOfStep when it has: more lines than
  // items; kInvalidInput when its output ended). Must pass before its last answers are trusted.
  // Lines later than that wait are told at the latest by Finish.
  aws::Status CheckQuiet();

  // Closes its stdin and waits up to `grace` for it to exit, then kills its process group (what
  // the shell started too). Ok when it exited with status 0; else kInternal saying what
  // happened. Once only.
  aws::Status Finish(std::chrono::milliseconds grace);

  // Finish for several processes at once, with one grace for all: every stdin is closed first,
  // then each process gets until `grace` (the clock's steady time, from the closing) to exit.
  // Returns what Finish would for each, in order. Processes already finished are skipped (Ok).
  static std::vector<aws::Status> FinishAll(const std::vector<TransformProcess*>& processes,
                                            aws::Clock* clock, std::chrono::milliseconds grace);

  // The start of what it wrote after its stdin was closed (empty when nothing; raw, at most 81
  // bytes: one more than messages show, so that they show it was cut): lines more than it was
  // sent. Known once Finish returned.
  const std::string& extra_output() const { return extra_; }

 private:
  TransformProcess(int pid, int in, int out) : pid_(pid), in_(in), out_(out) {}
  aws::Error Ended(const std::string& what);  // reaps the process and says how it ended
  // What its stdout holds now, up to about `max` bytes, without waiting: nullopt when nothing is
  // there; an empty string at its end.
  std::optional<std::string> ReadAvailable(size_t max);
  void KeepExtra();  // adds what its stdout holds now to extra_, within its bound
  static constexpr std::chrono::milliseconds kQuietWait{10};

  int pid_;
  int in_;   // its stdin; -1 once closed
  int out_;  // its stdout; -1 once closed
  bool reaped_ = false;
  std::string description_;  // "exited with status 3", once reaped
  std::string extra_;        // see extra_output()
};

struct ProcessTransformOptions {
  std::string command;
  std::vector<dynamodb::KeySchemaElement> key_schema;  // the target's
  aws::Clock* clock = nullptr;
  std::chrono::milliseconds stall{std::chrono::seconds(60)};
  // How long Finish waits, for all processes at once, for them to exit once their stdin is
  // closed (the clock's steady time).
  std::chrono::milliseconds finish_grace{std::chrono::seconds(10)};
};

class ProcessTransform final : public ItemTransform {
 public:
  explicit ProcessTransform(ProcessTransformOptions options);
  ~ProcessTransform() override;

  // A page's answers are confirmed when the process that gave them is next used and has
  // written nothing since (TransformProcess::CheckQuiet), or when it ends with nothing more.
  aws::Result<TransformedPage> Apply(const std::vector<std::string_view>& items,
                                     const std::function<bool()>& stopping,
                                     std::function<void()> confirmed) override;

  // Ends every process (see TransformProcess::FinishAll: all stdins closed, then one
  // finish_grace for all). kInvalidInput when one wrote more lines
  // than it was sent (its last page's answers were then not its own, and are not confirmed).
  // A process that did not exit with status 0 is only a warning(): every answer was used.
  aws::Status Finish() override;
  // Set by Finish: what a process's exit said, when it did not exit with status 0.
  const std::optional<std::string>& warning() const { return warning_; }

  // `command` in messages: "transform 'CMD'".
  static std::string Describe(const std::string& command);

 private:
  // A process between pages, and the confirmation its last answers wait for (empty when none).
  struct Idle {
    std::unique_ptr<TransformProcess> process;
    std::function<void()> unconfirmed;
  };

  ProcessTransformOptions options_;
  std::mutex mu_;
  std::vector<Idle> idle_;  // guarded by mu_
  std::optional<std::string> warning_;
};

}  // namespace ddbm::pipeline
