#include "pipeline/transform_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "aws/shell_spawn.h"

namespace ddbm::pipeline {
namespace {

aws::Error Failed(const std::string& what) {
  return aws::Error::Make(aws::ErrorKind::kInvalidInput, what);
}

aws::Error OutOfStep(std::string message) {
  aws::Error error = Failed(std::move(message));
  error.code = std::string(kTransformOutOfStep);
  return error;
}

// Of the output a transform wrote beyond its answers: what messages show (see ShownOutput), and
// what is kept of it (one byte more, so that a message shows it was cut).
constexpr size_t kShownBytes = 80;
constexpr size_t kExtraBytes = kShownBytes + 1;

aws::Error Cancelled() {
  return aws::Error::Make(aws::ErrorKind::kCancelled, "stopped while the transform was working");
}

void CloseFd(int* fd) {
  if (*fd >= 0) ::close(*fd);
  *fd = -1;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was ended by signal {}", WTERMSIG(status));
  return "ended";
}

}  // namespace

aws::Result<std::unique_ptr<TransformProcess>> TransformProcess::Start(const std::string& command) {
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { ::signal(SIGPIPE, SIG_IGN); });
  auto fail = [&](const std::string& why, int err) {
    return Failed(fmt::format("cannot start {}: {}: {}", ProcessTransform::Describe(command), why,
                              std::strerror(err)));
  };
  int to_child[2];
  int from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0) return fail("cannot create a pipe", errno);
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(to_child[0]);
    ::close(to_child[1]);
    return fail("cannot create a pipe", err);
  }
  // A process group of its own: Ctrl-C at the terminal stops the copy, which then ends the
  // transform by closing its stdin once the pages in hand are answered.
  pid_t pid = 0;
  const int spawn_error = aws::SpawnShell(
      command, {.stdin_fd = to_child[0], .stdout_fd = from_child[1], .own_process_group = true},
      &pid);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (spawn_error != 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    return fail("cannot start /bin/sh", spawn_error);
  }
  ::fcntl(to_child[1], F_SETFL, ::fcntl(to_child[1], F_GETFL) | O_NONBLOCK);
  ::fcntl(from_child[0], F_SETFL, ::fcntl(from_child[0], F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<TransformProcess>(new TransformProcess(pid, to_child[1], from_child[0]));
}

TransformProcess::~TransformProcess() {
  if (!reaped_) (void)Finish(std::chrono::seconds(1));
}

aws::Error TransformProcess::Ended(const std::string& what) {
  (void)Finish(std::chrono::seconds(1));
  return Failed(fmt::format("{}; it {}", what, description_));
}

aws::Result<std::string> TransformProcess::Exchange(std::string_view input, size_t lines,
                                                    const std::function<bool()>& stopping,
                                                    aws::Clock* clock,
                                                    std::chrono::milliseconds stall) {
  std::string answers;
  size_t written = 0;
  size_t answered = 0;
  aws::Clock::SteadyTime last_progress = clock->SteadyNow();
  char buffer[64 << 10];
  while (answered < lines) {
    if (stopping && stopping()) return Cancelled();
    pollfd fds[2] = {{out_, POLLIN, 0}, {in_, POLLOUT, 0}};
    const nfds_t count = written < input.size() ? 2 : 1;
    const int ready = ::poll(fds, count, 100);
    if (ready < 0 && errno != EINTR) return Failed(std::string("poll: ") + std::strerror(errno));
    if (ready > 0 && count == 2 && fds[1].revents != 0) {
      const ssize_t n = ::write(in_, input.data() + written, input.size() - written);
      if (n > 0) {
        written += static_cast<size_t>(n);
        last_progress = clock->SteadyNow();
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        if (stopping && stopping()) return Cancelled();
        return Ended(fmt::format("it stopped reading its input after answering {} of {} lines",
                                 answered, lines));
      }
    }
    if (ready > 0 && fds[0].revents != 0) {
      const ssize_t n = ::read(out_, buffer, sizeof(buffer));
      if (n > 0) {
        answered += static_cast<size_t>(std::count(buffer, buffer + n, '\n'));
        answers.append(buffer, static_cast<size_t>(n));
        last_progress = clock->SteadyNow();
      } else if (n == 0) {
        if (stopping && stopping()) return Cancelled();
        return Ended(
            fmt::format("it closed its output after answering {} of {} lines", answered, lines));
      } else if (errno != EAGAIN && errno != EINTR) {
        return Failed(std::string("reading the transform's output: ") + std::strerror(errno));
      }
    }
    if (clock->SteadyNow() - last_progress >= stall) {
      return Failed(fmt::format(
          "it answered {} of {} lines and then nothing for {} s: it must write (and flush) one "
          "line per line read, e.g. jq --unbuffered, python3 -u or print(..., flush=True), and "
          "never skip one (write null for an item to drop, not nothing: jq's select skips)",
          answered, lines, std::chrono::duration_cast<std::chrono::seconds>(stall).count()));
    }
  }
  // As many lines as items before it read all of them: more lines than items.
  if (written < input.size()) {
    return OutOfStep(fmt::format(
        "it wrote more lines than the items it was sent: {} lines before it had read all {} "
        "items of the page",
        answered, lines));
  }
  // Lines beyond the last answer, if already there, make the answers too many.
  if (std::optional<std::string> more = ReadAvailable(kShownBytes); more) answers += *more;
  return answers;
}

aws::Status TransformProcess::CheckQuiet() {
  // A moment for lines it is about to write (their writing may lag the answers it gave).
  pollfd fd = {out_, POLLIN, 0};
  ::poll(&fd, 1, static_cast<int>(kQuietWait.count()));
  std::optional<std::string> early = ReadAvailable(kShownBytes);
  if (!early) return aws::Status::Ok();
  if (early->empty()) return Ended("it closed its output");
  return OutOfStep(fmt::format(
      "it wrote more lines than the items it was sent: \"{}\" came after its answers to the "
      "last page, before it was sent the next",
      ShownOutput(*early, kShownBytes)));
}

std::optional<std::string> TransformProcess::ReadAvailable(size_t max) {
  std::optional<std::string> got;
  char buffer[4096];
  while (!got || got->size() < max) {
    pollfd fd = {out_, POLLIN, 0};
    if (::poll(&fd, 1, 0) <= 0 || fd.revents == 0) return got;
    const ssize_t n = ::read(out_, buffer, sizeof(buffer));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return got;
    if (!got) got.emplace();
    if (n <= 0) return got;  // the end: what came before it, possibly nothing
    got->append(buffer, static_cast<size_t>(n));
  }
  return got;
}

aws::Status TransformProcess::Finish(std::chrono::milliseconds grace) {
  return FinishAll({this}, aws::Clock::Real(), grace).front();
}

void TransformProcess::KeepExtra() {
  if (out_ < 0) return;
  if (std::optional<std::string> more = ReadAvailable(kShownBytes); more) {
    if (more->empty()) CloseFd(&out_);
    extra_ += more->substr(0, kExtraBytes - std::min(extra_.size(), kExtraBytes));
  }
}

std::vector<aws::Status> TransformProcess::FinishAll(
    const std::vector<TransformProcess*>& processes, aws::Clock* clock,
    std::chrono::milliseconds grace) {
  const size_t n = processes.size();
  std::vector<aws::Status> results(n, aws::Status::Ok());
  std::vector<int> statuses(n, 0);
  std::vector<bool> exited(n, false);
  // Every stdin first: the processes end together, not one grace after another.
  for (TransformProcess* p : processes) {
    if (!p->reaped_) CloseFd(&p->in_);
  }
  // What they write now is more than they were asked for: kept to tell, up to their end or the
  // grace.
  const aws::Clock::SteadyTime deadline = clock->SteadyNow() + grace;
  for (;;) {
    bool running = false;
    for (size_t i = 0; i < n; ++i) {
      TransformProcess* p = processes[i];
      if (p->reaped_ || exited[i]) continue;
      if (::waitpid(p->pid_, &statuses[i], WNOHANG) != 0) {
        exited[i] = true;
      } else {
        running = true;
        p->KeepExtra();
      }
    }
    if (!running || clock->SteadyNow() >= deadline) break;
    clock->SleepFor(std::chrono::milliseconds(5));
  }
  for (size_t i = 0; i < n; ++i) {
    TransformProcess* p = processes[i];
    if (p->reaped_) continue;
    p->KeepExtra();
    CloseFd(&p->out_);
    // Its process group: what the shell started (a pipeline, a command after ';') goes too.
    ::kill(-p->pid_, SIGKILL);
    if (!exited[i]) {
      ::waitpid(p->pid_, &statuses[i], 0);
      p->description_ =
          fmt::format("did not exit within {} s of the end of its input and was killed",
                      std::chrono::duration_cast<std::chrono::seconds>(grace).count());
    } else {
      p->description_ = DescribeWaitStatus(statuses[i]);
    }
    p->reaped_ = true;
    const int status = statuses[i];
    if (!exited[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      results[i] = aws::Error::Make(aws::ErrorKind::kInternal, "it " + p->description_);
    }
  }
  return results;
}

ProcessTransform::ProcessTransform(ProcessTransformOptions options) : options_(std::move(options)) {
  if (options_.clock == nullptr) options_.clock = aws::Clock::Real();
}

ProcessTransform::~ProcessTransform() = default;

std::string ProcessTransform::Describe(const std::string& command) {
  return fmt::format("transform '{}'", command);
}

aws::Result<TransformedPage> ProcessTransform::Apply(const std::vector<std::string_view>& items,
                                                     const std::function<bool()>& stopping,
                                                     std::function<void()> confirmed) {
  const std::string what = Describe(options_.command);
  auto named = [&](aws::Error error) {
    if (error.kind != aws::ErrorKind::kCancelled) error.message = what + ": " + error.message;
    return error;
  };
  if (items.empty()) {
    aws::Result<TransformedPage> page =
        ReadTransformAnswers(std::string(), 0, options_.key_schema, what);
    if (page.ok()) confirmed();  // nothing was asked of any process
    return page;
  }
  Idle idle;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      idle = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!idle.process) {
    aws::Result<std::unique_ptr<TransformProcess>> started =
        TransformProcess::Start(options_.command);
    if (!started.ok()) return std::move(started).error();
    idle.process = std::move(*started);
  }
  // Nothing since its last answers: they were their page's own.
  if (aws::Status s = idle.process->CheckQuiet(); !s.ok()) return named(std::move(s).error());
  if (idle.unconfirmed) std::exchange(idle.unconfirmed, nullptr)();
  size_t bytes = 0;
  for (std::string_view item : items) bytes += item.size() + 1;
  std::string input;
  input.reserve(bytes);
  for (std::string_view item : items) {
    input += item;
    input += '\n';
  }
  aws::Result<std::string> answers =
      idle.process->Exchange(input, items.size(), stopping, options_.clock, options_.stall);
  if (!answers.ok()) return named(std::move(answers).error());  // the process ends with `idle`
  aws::Result<TransformedPage> page =
      ReadTransformAnswers(std::move(*answers), items.size(), options_.key_schema, what);
  if (!page.ok()) return page;
  idle.unconfirmed = std::move(confirmed);
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(idle));
  }
  return page;
}

aws::Status ProcessTransform::Finish() {
  std::lock_guard lock(mu_);
  std::vector<TransformProcess*> processes;
  processes.reserve(idle_.size());
  for (Idle& idle : idle_) processes.push_back(idle.process.get());
  std::vector<aws::Status> ended =
      TransformProcess::FinishAll(processes, options_.clock, options_.finish_grace);
  std::optional<aws::Error> broken;
  for (size_t i = 0; i < idle_.size(); ++i) {
    Idle& idle = idle_[i];
    const aws::Status& s = ended[i];
    if (!idle.process->extra_output().empty()) {
      if (!broken) {
        broken = OutOfStep(fmt::format(
            "{}: it wrote more lines than the items it was sent (\"{}\" came after its last "
            "answers), so those answers may not be their items' own",
            Describe(options_.command), ShownOutput(idle.process->extra_output(), kShownBytes)));
      }
      continue;  // not confirmed: their pages are not counted as done
    }
    if (idle.unconfirmed) std::exchange(idle.unconfirmed, nullptr)();
    if (!s.ok() && !warning_) warning_ = Describe(options_.command) + ": " + s.error().message;
  }
  idle_.clear();
  if (broken) return std::move(*broken);
  return aws::Status::Ok();
}

}  // namespace ddbm::pipeline
