// Exercise 7.1 at its edges: the sizes a Ring accepts, what it gives back (also when the kernel
// refuses it half-way), a turn that must sleep in the kernel (and a signal that wakes it), a
// completion queue that overflows. The kernel's refusals are a seccomp filter in a child process,
// and a sleeping thread is one /proc says is asleep: no test here depends on how long anything takes.
#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "fixtures.hpp"
#include "hs/testing/seccomp.hpp"

using namespace hs::ch07;
using namespace hs::ch07::test;

namespace {

/// The state of thread `tid` of this process, as ps shows it: 'S' while it sleeps in the kernel.
char thread_state(pid_t tid) {
  std::ifstream stat{fmt::format("/proc/self/task/{}/stat", tid)};
  const std::string text{std::istreambuf_iterator<char>{stat}, {}};
  const auto name_end = text.rfind(')');  // the name, in parentheses, may hold anything
  return name_end == std::string::npos || name_end + 2 >= text.size() ? '?' : text[name_end + 2];
}

/// Calls `call` on this thread; `meanwhile` runs on another thread as soon as this one sleeps in
/// the kernel, or once `call` has returned without sleeping. Returns whether it slept: a turn
/// that should wait for the kernel, not spin or return at once.
template <typename Call, typename Meanwhile>
bool sleeps_in(Call call, Meanwhile meanwhile) {
  const pid_t self = ::gettid();
  std::atomic<bool> returned{false};
  std::atomic<bool> slept{false};
  std::thread other{[&] {
    while (!returned && thread_state(self) != 'S') std::this_thread::yield();
    slept = !returned;
    meanwhile();
  }};
  try {
    call();
  } catch (...) {
    returned = true;
    other.join();
    throw;
  }
  returned = true;
  other.join();
  return slept;
}

/// What a Ring takes from the process: a descriptor (the lowest free one tells), and memory
/// mapped (VmSize).
struct Held {
  int lowest_free_fd = -1;
  long mapped_kib = -1;
};

Held held() {
  Held now;
  now.lowest_free_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(now.lowest_free_fd);
  std::ifstream status{"/proc/self/status"};
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmSize:", 0) == 0) now.mapped_kib = std::stol(line.substr(7));
  }
  return now;
}

/// The Ring those tests make: its buffer ring (32768 entries of 16 bytes) is 512 KiB, which no
/// other mapping of its constructor is.
const Ring::Options big_buffer_ring{8, 32768, 1};
constexpr unsigned long buffer_ring_bytes = 32768 * sizeof(io_uring_buf);

/// The system call a test has the kernel refuse, by a seccomp filter.
enum class Refuse {
  buffer_ring_mmap,          ///< the mmap() of big_buffer_ring's buffer ring: ENOMEM
  buffer_ring_registration,  ///< io_uring_register(IORING_REGISTER_PBUF_RING): EPERM
};

/// Installs, on this thread, a filter that fails that one call and lets every other through.
bool install_refusal(Refuse what) {
  using namespace hs::testing::seccomp;
  const bool map = what == Refuse::buffer_ring_mmap;
  const unsigned call = map ? __NR_mmap : __NR_io_uring_register;
  constexpr unsigned arg = 1;  // mmap()'s length, io_uring_register()'s opcode (their low 32 bits)
  const unsigned value = map ? static_cast<unsigned>(buffer_ring_bytes) : unsigned{IORING_REGISTER_PBUF_RING};
  const int error = map ? ENOMEM : EPERM;
  sock_filter filter[] = {
      load_abi(),
      skip_unless_equal(this_abi, 5),  // another ABI: not this test's to judge
      load_call(),
      skip_unless_equal(call, 3),
      load_argument_low(arg),
      skip_unless_equal(value, 1),
      fail_with(error),
      allow(),
  };
  return install(filter);
}

/// In a child process (a filter cannot be taken off again): constructs big_buffer_ring with
/// `what` refused. Returns what the constructor threw, and what it left behind if anything.
std::string refused_ring(Refuse what) {
  int pipe[2];
  REQUIRE(::pipe2(pipe, O_CLOEXEC) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe[0]);
    std::string report;
    {
      Runtime runtime;
      const Held before = held();
      if (!install_refusal(what)) {
        report = "the seccomp filter was refused";
      } else {
        try {
          Ring ring{runtime, big_buffer_ring};
          report = "constructed";
        } catch (const std::exception& e) {  // std::system_error, unless it is still a stub
          report = e.what();
        }
      }
      const Held after = held();
      if (after.lowest_free_fd != before.lowest_free_fd) report += " (a descriptor left open)";
      if (after.mapped_kib - before.mapped_kib >= 512) report += " (its memory left mapped)";
    }
    (void)!::write(pipe[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(pipe[1]);
  std::string report;
  char chunk[256];
  for (ssize_t n; (n = ::read(pipe[0], chunk, sizeof chunk)) > 0;) report.append(chunk, static_cast<std::size_t>(n));
  ::close(pipe[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) report += fmt::format(" (the child ended: status {})", status);
  return report;
}

}  // namespace

TEST_CASE("a Ring refuses bad sizes (up to 32768 buffers) and says which step the kernel refused", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  CHECK_THROWS_AS(Ring(runtime, Ring::Options{8, 3, 64}), std::invalid_argument);
  CHECK_THROWS_AS(Ring(runtime, Ring::Options{8, 65536, 1}), std::invalid_argument);
  CHECK_NOTHROW(Ring(runtime, big_buffer_ring));  // 32768: the most a buffer ring holds
  // No submission queue slot at all: io_uring_setup() says EINVAL, and the error says who.
  CHECK_THROWS_WITH(Ring(runtime, Ring::Options{0, 8, 64}), Catch::StartsWith("io_uring_queue_init"));
}

TEST_CASE("a Ring gives back what it took: its descriptor and its memory", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  { Ring warm_up{runtime, big_buffer_ring}; }  // the allocator's first growth, not the ring's
  const Held before = held();
  { Ring ring{runtime, big_buffer_ring}; }
  const Held after = held();
  CHECK(after.lowest_free_fd == before.lowest_free_fd);
  CHECK(after.mapped_kib - before.mapped_kib < 512);  // the buffer ring alone is 512 KiB
}

TEST_CASE("a Ring the kernel refuses half-way gives back what it took before and says which step failed", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  // Refused by a seccomp filter in a child process (a filter cannot be taken off again): the
  // buffer ring's mmap(), then its registration.
  CHECK(refused_ring(Refuse::buffer_ring_mmap) == "mmap: Cannot allocate memory");
  CHECK(refused_ring(Refuse::buffer_ring_registration) == "io_uring_register_buf_ring: Operation not permitted");
}

TEST_CASE("turn(MayBlock::yes) with a completion owed and no timer sleeps in the kernel until it comes", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  RingAndPair t;
  auto& [runtime, ring, pair, op, got] = t;
  Outcome<Completion> received;
  t.receive(received);
  ring.poll();  // submitted: nothing to receive yet
  bool handed_out = false;
  const bool slept =
      sleeps_in([&] { handed_out = t.ring.turn(MayBlock::yes); }, [&] { t.pair.test.send("HELLO 1\n"); });
  CHECK(slept);
  CHECK(handed_out);
  ring.poll();
  REQUIRE(received.done);
  CHECK(got == "HELLO 1\n");
}

TEST_CASE("a signal that interrupts the turn's wait is no error: the operation stays in flight", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  RingAndPair t;
  auto& [runtime, ring, pair, op, got] = t;
  Outcome<Completion> received;
  // The deadline only bounds the wait, should the signal come before it.
  t.receive(received, runtime.now() + 1min);
  ring.poll();
  struct sigaction quiet {};
  quiet.sa_handler = [](int) {};  // no SA_RESTART: the wait ends with EINTR
  struct sigaction saved {};
  REQUIRE(::sigaction(SIGUSR1, &quiet, &saved) == 0);
  const pthread_t self = ::pthread_self();
  bool slept = false;
  bool handed_out = true;
  CHECK_NOTHROW(
      slept = sleeps_in([&] { handed_out = t.ring.turn(MayBlock::yes); }, [&] { ::pthread_kill(self, SIGUSR1); }));
  ::sigaction(SIGUSR1, &saved, nullptr);
  CHECK(slept);
  CHECK_FALSE(handed_out);
  CHECK(op.in_flight());
  pair.test.send("HELLO 1\n");
  ring.poll();
  REQUIRE(received.done);
  CHECK(got == "HELLO 1\n");
}

TEST_CASE("a full completion queue: the kernel keeps what overflows and later turns hand it out", "[ex7.1]") {
  HS_SKIP_WITHOUT_IO_URING();
  Runtime runtime;
  Ring ring{runtime, Ring::Options{1, 8, 64}};  // 1 submission slot, 2 completion slots
  constexpr int count = 6;
  std::vector<LocalPair> pairs;
  std::vector<Operation> ops(count);
  std::vector<std::string> got(count);
  std::vector<Outcome<Completion>> outcomes(count);
  for (int i = 0; i < count; ++i) {
    pairs.push_back(LocalPair::make());
    pairs[i].test.send("HELLO 1\n");  // there already: each receive completes as it is submitted
    // Each receive takes the one slot, submitting the one before: it completes at once.
    spawn_into(receive_once(ring, ops[i], pairs[i].code.get(), got[i], never), outcomes[i]);
  }
  CHECK_NOTHROW(ring.run());
  for (int i = 0; i < count; ++i) {
    REQUIRE(outcomes[i].done);
    CHECK(got[i] == "HELLO 1\n");
  }
  CHECK(ring.stats().completions == count);
}
