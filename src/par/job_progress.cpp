#include "par/job_progress.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/error.hpp"
#include "par/coordinated.hpp"

namespace rapidnn::par {

namespace {

enum Tag : int { kProgress = 1, kNote = 2, kFailed = 3 };

// A progress message: task index, items done of total, seconds since the owner started the task.
struct ProgressRecord {
  std::uint64_t task;
  std::uint64_t done;
  std::uint64_t total;
  double elapsed_s;
};

template <class T>
std::vector<char> to_bytes(const T& value) {
  std::vector<char> b(sizeof(T));
  std::memcpy(b.data(), &value, sizeof(T));
  return b;
}

}  // namespace

JobProgress::Options JobProgress::Options::from_environment() {
  Options o;
  if (const char* env = std::getenv("RAPIDNN_PROGRESS_S")) {
    char* end = nullptr;
    const double v = std::strtod(env, &end);
    if (end != env && v >= 0) o.print_interval_s = v;
  }
  return o;
}

JobProgress::JobProgress(const Communicator& comm, std::string what, std::string unit,
                         std::vector<ProgressBoard::Task> tasks, Options options)
    : comm_(comm), board_(std::move(what), std::move(unit), std::move(tasks)), options_(std::move(options)),
      job_start_(Clock::now()), last_print_(job_start_), task_start_(board_.size(), job_start_),
      last_send_(board_.size(), job_start_), task_started_(board_.size(), false),
      reported_finished_(board_.size(), false), task_total_(board_.size(), 0), sent_(static_cast<std::size_t>(comm.size()), 0) {
  for (std::size_t i = 0; i < board_.size(); ++i) {
    const int owner = board_.task(i).owner;
    RAPIDNN_THROW_IF_NOT(owner >= 0 && owner < comm.size(), InvalidArgument,
                         "progress: task '{}' owned by rank {}, the job has {} ranks", board_.task(i).name,
                         owner, comm.size());
  }
  if (comm_.is_distributed()) MPI_Comm_dup(comm_.native(), &channel_);
}

JobProgress::~JobProgress() {
  // Freeing is only safe once every rank has passed finish(); otherwise leave it to MPI_Finalize
  // or MPI_Abort (the job is ending with an error that did not go through run()).
  if (channel_ != MPI_COMM_NULL && finished_) MPI_Comm_free(&channel_);
}

void JobProgress::check_owner(std::size_t task) const {
  RAPIDNN_ASSERT(task < board_.size());
  RAPIDNN_ASSERT(board_.task(task).owner == comm_.rank());
}

double JobProgress::task_elapsed(std::size_t task) const {
  return std::chrono::duration<double>(Clock::now() - task_start_[task]).count();
}

void JobProgress::start(std::size_t task, std::uint64_t total) {
  check_owner(task);
  RAPIDNN_ASSERT(!task_started_[task]);
  task_start_[task] = Clock::now();
  task_started_[task] = true;
  task_total_[task] = total;
  report(task, 0, true);
  poll();
  throw_if_peer_failed();
}

void JobProgress::advance(std::size_t task, std::uint64_t done) {
  check_owner(task);
  RAPIDNN_ASSERT(task_started_[task]);
  report(task, done, false);
  poll();
  throw_if_peer_failed();
}

void JobProgress::report(std::size_t task, std::uint64_t done, bool force_send) {
  const double elapsed = task_elapsed(task);
  const std::uint64_t total = task_total_[task];
  if (comm_.is_root()) {
    on_update(task, done, total, elapsed);
    return;
  }
  board_.update(task, done, total, elapsed);
  const auto now = Clock::now();
  if (force_send || done >= total ||
      std::chrono::duration<double>(now - last_send_[task]).count() >= options_.send_interval_s) {
    last_send_[task] = now;
    send(0, kProgress, to_bytes(ProgressRecord{task, done, total, elapsed}));
  }
}

void JobProgress::note(std::size_t task, const std::string& text) {
  check_owner(task);
  const std::string line = fmt::format("[{}] {}", board_.task(task).name, text);
  if (comm_.is_root()) {
    print(line);
  } else {
    send(0, kNote, std::vector<char>(line.begin(), line.end()));
  }
  poll();
  throw_if_peer_failed();
}

void JobProgress::send(int dest, int tag, std::vector<char> bytes) {
  pending_.push_back({MPI_REQUEST_NULL, std::move(bytes)});
  PendingSend& p = pending_.back();
  MPI_Isend(p.bytes.data(), static_cast<int>(p.bytes.size()), MPI_BYTE, dest, tag, channel_, &p.request);
  ++sent_[static_cast<std::size_t>(dest)];
}

void JobProgress::receive_one(const MPI_Status& status) {
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::vector<char> bytes(static_cast<std::size_t>(count));
  MPI_Recv(bytes.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, channel_, MPI_STATUS_IGNORE);
  ++received_;
  if (status.MPI_TAG == kProgress && bytes.size() == sizeof(ProgressRecord)) {
    ProgressRecord r;
    std::memcpy(&r, bytes.data(), sizeof r);
    if (r.task < board_.size()) on_update(static_cast<std::size_t>(r.task), r.done, r.total, r.elapsed_s);
  } else if (status.MPI_TAG == kNote) {
    print(std::string(bytes.begin(), bytes.end()));
  } else if (status.MPI_TAG == kFailed) {
    if (peer_failed_ < 0 || status.MPI_SOURCE < peer_failed_) peer_failed_ = status.MPI_SOURCE;
  }
}

void JobProgress::poll() {
  if (channel_ == MPI_COMM_NULL) {
    print_board(false);
    return;
  }
  for (;;) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, channel_, &flag, &status);
    if (!flag) break;
    receive_one(status);
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    int done = 0;
    MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
    it = done ? pending_.erase(it) : std::next(it);
  }
  print_board(false);
}

void JobProgress::throw_if_peer_failed() const {
  if (peer_failed_ >= 0)
    throw ConsistencyError(fmt::format("rank {} failed (its message is printed above)", peer_failed_));
}

void JobProgress::on_update(std::size_t task, std::uint64_t done, std::uint64_t total, double elapsed_s) {
  board_.update(task, done, total, elapsed_s);
  if (comm_.is_root() && board_.finished(task) && !reported_finished_[task]) {
    reported_finished_[task] = true;
    print(board_.finished_line(task));
  }
}

void JobProgress::print(const std::string& line) const {
  if (!comm_.is_root()) return;
  if (options_.print) {
    options_.print(line);
  } else {
    std::fprintf(stderr, "rapidnn: %s\n", line.c_str());
  }
}

void JobProgress::print_board(bool force) {
  if (!comm_.is_root() || board_.all_finished()) return;
  const auto now = Clock::now();
  if (!force && std::chrono::duration<double>(now - last_print_).count() < options_.print_interval_s) return;
  last_print_ = now;
  print(board_.line(std::chrono::duration<double>(now - job_start_).count()));
}

void JobProgress::finish(std::exception_ptr error) {
  RAPIDNN_ASSERT(!finished_);
  bool own_failure = false;
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const ConsistencyError&) {
    } catch (...) {
      own_failure = true;
    }
  }
  if (channel_ != MPI_COMM_NULL) {
    if (own_failure) {
      for (int r = 0; r < comm_.size(); ++r)
        if (r != comm_.rank()) send(r, kFailed, {});
    }
    // Every rank's message counts per destination; when this completes, everyone has stopped
    // sending, and each rank knows how many messages are still on their way to it.
    std::vector<int> expected(sent_.size(), 0);
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Iallreduce(sent_.data(), expected.data(), static_cast<int>(sent_.size()), MPI_INT, MPI_SUM, channel_, &req);
    for (;;) {
      int done = 0;
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (done) break;
      poll();
      std::this_thread::sleep_for(std::chrono::duration<double>(options_.poll_sleep_s));
    }
    while (received_ < expected[static_cast<std::size_t>(comm_.rank())]) {
      MPI_Status status;
      MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, channel_, &status);
      receive_one(status);
    }
    for (auto& p : pending_) MPI_Wait(&p.request, MPI_STATUS_IGNORE);
    pending_.clear();
  }
  finished_ = true;
  detail::agree_on_failure(comm_, error);
}

}  // namespace rapidnn::par
