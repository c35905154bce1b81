// hs::io_uring_unavailable() (hs/io_uring_probe.hpp): empty where a ring really works, and where a
// seccomp profile refuses io_uring (hs-without-io-uring, as in most containers) the error and its
// likely cause, in one line.
#include <liburing.h>

#include <filesystem>
#include <iterator>
#include <string>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "../../tests/support/io_uring.hpp"
#include "hs/io_uring_probe.hpp"
#include "hs/testing/child_process.hpp"

namespace {

std::ptrdiff_t open_descriptors() {
  return std::distance(std::filesystem::directory_iterator{"/proc/self/fd"}, std::filesystem::directory_iterator{});
}

}  // namespace

TEST_CASE("io_uring_unavailable: empty where a ring works and it leaves no descriptor open", "[io_uring]") {
  HS_SKIP_WITHOUT_IO_URING();
  const auto before = open_descriptors();
  CHECK(hs::io_uring_unavailable().empty());
  CHECK(open_descriptors() == before);

  // What "empty" promises: a ring as a program sets one up works (a no-op goes round it).
  io_uring ring{};
  REQUIRE(io_uring_queue_init(8, &ring, 0) == 0);
  io_uring_prep_nop(io_uring_get_sqe(&ring));
  CHECK(io_uring_submit_and_wait(&ring, 1) == 1);
  io_uring_cqe* done = nullptr;
  CHECK(io_uring_peek_cqe(&ring, &done) == 0);
  CHECK((done != nullptr && done->res == 0));
  io_uring_queue_exit(&ring);
}

// Not run by itself (hidden): the next test runs it as a child, under hs-without-io-uring.
TEST_CASE("io_uring_unavailable as a child: prints what it finds", "[.][io_uring-child]") {
  fmt::print("probe: {}\n", hs::io_uring_unavailable());
}

TEST_CASE("io_uring_unavailable: where seccomp refuses io_uring it says so and names the likely cause", "[io_uring]") {
  const auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  hs::testing::ChildProcess child{hs::testing::without_io_uring_path(), {self, "[io_uring-child]"}};
  std::string line;
  do {
    line = child.read_line();
  } while (!line.empty() && !line.starts_with("probe: "));
  INFO("its stderr:\n" << child.stderr_text());
  CHECK_THAT(
      line, Catch::StartsWith("probe: io_uring_setup() failed: Operation not permitted") && Catch::Contains("seccomp"));
  CHECK(child.wait() == 0);  // everything else still works under the filter
}
