// par::JobProgress on 2 and 4 ranks: rank 0 sees the progress, notes and completion of the tasks
// that other ranks do; a failure on one rank stops a long loop on another rank early and ends
// run() on every rank like par::coordinated (one agreed error, ConsistencyError elsewhere).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "par/job_progress.hpp"

namespace rapidnn::par {
namespace {

using Clock = std::chrono::steady_clock;

JobProgress::Options capture(std::vector<std::string>& lines) {
  JobProgress::Options o;
  o.print_interval_s = 1e9;  // only task completions and notes, so the lines are predictable
  o.send_interval_s = 0.0;   // every advance() sends
  o.print = [&lines](const std::string& line) { lines.push_back(line); };
  return o;
}

TEST(JobProgress, RankZeroSeesEveryRanksTasks) {
  const auto comm = Communicator::world();
  // Two tasks per rank, task t owned by rank t % size, 10 + t items, cost 1 + t.
  std::vector<ProgressBoard::Task> tasks;
  for (int t = 0; t < 2 * comm.size(); ++t)
    tasks.push_back({fmt::format("task{}", t), t % comm.size(), 0, 1.0 + t});
  std::vector<std::string> lines;
  JobProgress progress(comm, "work", "items", tasks, capture(lines));
  progress.run([&] {
    for (std::size_t t = 0; t < tasks.size(); ++t) {
      if (tasks[t].owner != comm.rank()) continue;
      const std::uint64_t total = 10 + t;
      progress.start(t, total);
      for (std::uint64_t done = 1; done <= total; ++done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        progress.advance(t, done);
      }
      progress.note(t, fmt::format("finished on rank {}", comm.rank()));
    }
  });
  if (!comm.is_root()) {
    EXPECT_TRUE(lines.empty());  // other ranks stay quiet
    return;
  }
  const ProgressBoard& board = progress.board();
  EXPECT_TRUE(board.all_finished());
  EXPECT_DOUBLE_EQ(board.fraction_done(), 1.0);
  EXPECT_EQ(board.eta_s(), 0.0);
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    EXPECT_EQ(board.task(t).total, 10 + t) << t;  // the total travelled with the first message
    EXPECT_EQ(board.state(t).done, 10 + t) << t;
    EXPECT_GE(board.state(t).elapsed_s, 0.009) << t;  // owner's clock: 10+ sleeps of 1 ms
    const std::string done_line = board.finished_line(t);
    EXPECT_EQ(std::count(lines.begin(), lines.end(), done_line), 1) << done_line;
    const std::string note = fmt::format("[task{}] finished on rank {}", t, t % comm.size());
    EXPECT_EQ(std::count(lines.begin(), lines.end(), note), 1) << note;
  }
  EXPECT_EQ(lines.size(), 2 * tasks.size());
}

TEST(JobProgress, FailureOnLastRankStopsRankZeroEarly) {
  const auto comm = Communicator::world();
  if (comm.size() < 2) GTEST_SKIP() << "needs a second rank";
  const int failing = comm.size() - 1;
  std::vector<ProgressBoard::Task> tasks{{"long", 0, 0, 1.0}, {"broken", failing, 0, 1.0}};
  std::vector<std::string> lines;
  JobProgress progress(comm, "work", "items", tasks, capture(lines));
  const auto t0 = Clock::now();
  std::uint64_t reached = 0;
  constexpr std::uint64_t kLong = 6000;  // 6000 x 5 ms = 30 s if nobody stopped it
  try {
    progress.run([&] {
      if (comm.is_root()) {
        progress.start(0, kLong);
        for (reached = 1; reached <= kLong; ++reached) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          progress.advance(0, reached);
        }
      }
      if (comm.rank() == failing) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        throw InvalidArgument("broken input on the last rank");
      }
    });
    FAIL() << "every rank must throw";
  } catch (const ConsistencyError& e) {
    EXPECT_NE(comm.rank(), failing);
    EXPECT_TRUE(e.agreed());
    EXPECT_EQ(std::string(e.what()), fmt::format("rank {} failed (its message is printed above)", failing));
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(comm.rank(), failing);
    EXPECT_TRUE(e.agreed());
    EXPECT_STREQ(e.what(), "broken input on the last rank");
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_LT(seconds, 10.0);  // stopped at its next advance(), not after the 30 s loop
  if (comm.is_root()) {
    EXPECT_LT(reached, kLong);
  }
  EXPECT_EQ(comm.sum(1), comm.size());  // nobody is stuck
}

TEST(JobProgress, EveryRankFailingGivesOneAgreedError) {
  const auto comm = Communicator::world();
  std::vector<ProgressBoard::Task> tasks;
  for (int r = 0; r < comm.size(); ++r) tasks.push_back({fmt::format("t{}", r), r, 0, 1.0});
  std::vector<std::string> lines;
  JobProgress progress(comm, "work", "items", tasks, capture(lines));
  int reporters = 0;
  try {
    progress.run([&] {
      progress.start(static_cast<std::size_t>(comm.rank()), 5);
      throw IoError(fmt::format("missing file on rank {}", comm.rank()));
    });
  } catch (const ConsistencyError&) {
  } catch (const IoError& e) {
    EXPECT_TRUE(e.agreed());
    EXPECT_STREQ(e.what(), "missing file on rank 0");
    reporters = 1;
  }
  EXPECT_EQ(comm.sum(reporters), 1);
}

TEST(JobProgress, RejectsAnOwnerOutsideTheJob) {
  const auto comm = Communicator::world();
  std::vector<ProgressBoard::Task> tasks{{"far", comm.size(), 0, 1.0}};
  try {
    JobProgress progress(comm, "work", "items", tasks);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()),
              fmt::format("progress: task 'far' owned by rank {0}, the job has {0} ranks", comm.size()));
  }
}

}  // namespace
}  // namespace rapidnn::par
