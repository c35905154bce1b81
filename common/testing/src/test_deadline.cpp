// The learner's tests have a deadline each: a test that does not finish within it (a task that
// waits for a wake-up that never comes, a loop that never ends) is stopped with a message that
// says so and where to read, in seconds instead of ctest's minutes. Linked into every learner test
// program (hs-chNN-tests), never into the reference's, whose limit stays ctest's (cmake/HsChapter.cmake).
//
// Built with HS_TEST_DEADLINE_SECONDS (the limit, times hs::testing::sanitizer_slowdown),
// HS_CHAPTER_DIR ("06-runtime") and
// HS_SOURCE_DIR (to show paths as the learner types them). HS_TEST_DEADLINE in the environment
// overrides the limit ("60s"; "0" turns it off, for a debugger).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "hs/cli.hpp"
#include "hs/testing/child_process.hpp"
#include "hs/testing/raw_socket.hpp"
#include "hs/testing/sanitized.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr hs::Duration built_in = std::chrono::seconds{HS_TEST_DEADLINE_SECONDS * hs::testing::sanitizer_slowdown};
static_assert(built_in >= 2 * hs::testing::generous,
              "a test's own waits (generous) must run out well before its deadline, so that it says why");

/// The limit for one test: HS_TEST_DEADLINE if set (nothing when it is zero), else the built-in one.
std::optional<hs::Duration> limit() {
  // Read once, on the main thread, before the watchdog's thread exists; no test sets it.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char* text = std::getenv("HS_TEST_DEADLINE"); text != nullptr && *text != '\0') {
    if (std::string_view{text} == "0") return std::nullopt;
    if (const auto d = hs::parse_duration(text)) return d->count() > 0 ? d : std::nullopt;
    fmt::print(stderr, "HS_TEST_DEADLINE={} is not a duration (say 60s, or 0 for none): using {}\n", text,
               hs::format_duration(built_in));
  }
  return built_in;
}

std::string shown(const std::filesystem::path& path) {
  const auto relative = path.lexically_relative(HS_SOURCE_DIR);
  return relative.empty() || *relative.begin() == ".." ? path.string() : relative.string();
}

/// What the learner reads when a test is stopped: what happened, where to read, how to run it alone.
std::string message(const Catch::TestCaseInfo& test, hs::Duration limit) {
  std::smatch exercise;
  const std::string tags = test.tagsAsString();
  std::string where = fmt::format("chapters/{}/README.md", HS_CHAPTER_DIR);
  if (std::regex_search(tags, exercise, std::regex{R"(\[ex(\d+)\.(\d+)\])"})) {
    where += fmt::format("#exercise-{}{}", exercise[1].str(), exercise[2].str());
  }
  // The name as a Catch2 test spec (these characters need a backslash), in a shell's single quotes.
  const std::string spec = std::regex_replace(test.name, std::regex{R"(([\\,\[\]"~*]))"}, R"(\$1)");
  const std::string quoted = std::regex_replace(spec, std::regex{"'"}, R"('\'')");
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  return fmt::format(
      "\nTEST DEADLINE: \"{}\" did not finish within {}, so it was stopped.\n"
      "  Something it waits for never comes (a reply, a wake-up, a timer), or a loop never ends?\n"
      "  Read {}, then run it alone:\n"
      "    {} '{}'\n"
      "  (HS_TEST_DEADLINE={} gives each test longer; HS_TEST_DEADLINE=0 none, under a debugger.)\n",
      test.name, hs::format_duration(limit), where, shown(self), quoted, hs::format_duration(3 * limit));
}

/// One thread that waits for the running test's deadline, and ends the program if it passes.
class Watchdog {
 public:
  Watchdog() : limit_{limit()} {}
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  ~Watchdog() {
    {
      const std::lock_guard lock{mutex_};
      stopping_ = true;
    }
    changed_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  void arm(const Catch::TestCaseInfo& test) {
    if (!limit_) return;
    {
      const std::lock_guard lock{mutex_};
      test_ = &test;
      deadline_ = Clock::now() + *limit_;
      if (!thread_.joinable()) start();
    }
    changed_.notify_one();
  }

  void disarm() {
    {
      const std::lock_guard lock{mutex_};
      test_ = nullptr;
    }
    changed_.notify_one();
  }

 private:
  // With every signal blocked: a signal sent to the process (a test's own SIGTERM, which it
  // blocks to read it from a signalfd) must never be delivered to this thread instead.
  void start() {
    sigset_t all;
    sigset_t before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    thread_ = std::thread{[this] { watch(); }};
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
  }

  void watch() {
    std::unique_lock lock{mutex_};
    while (!stopping_) {
      if (test_ == nullptr) {
        changed_.wait(lock);
      } else if (changed_.wait_until(lock, deadline_) == std::cv_status::timeout && test_ != nullptr &&
                 Clock::now() >= deadline_) {
        // Said first: what the test prints while its programs stop comes after it.
        std::fputs(message(*test_, *limit_).c_str(), stderr);
        std::fflush(stderr);
        if (const std::string said = hs::testing::stop_child_processes(); !said.empty()) {
          std::fputs(("  The programs it started (stopped now):\n" + said).c_str(), stderr);
        }
        std::fflush(stdout);
        std::_Exit(exit_status);
      }
    }
  }

  static constexpr int exit_status = 124;  // as timeout(1) ends a command
  const std::optional<hs::Duration> limit_;
  std::mutex mutex_;
  std::condition_variable changed_;
  const Catch::TestCaseInfo* test_ = nullptr;  ///< the running test, while armed
  Clock::time_point deadline_;
  bool stopping_ = false;
  std::thread thread_;
};

Watchdog& watchdog() {
  static Watchdog dog;
  return dog;
}

class Deadline : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& test) override { watchdog().arm(test); }
  void testCaseEnded(const Catch::TestCaseStats&) override { watchdog().disarm(); }
};

}  // namespace

CATCH_REGISTER_LISTENER(Deadline)
