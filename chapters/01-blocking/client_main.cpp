// hs-client: the blocking HELLO client. Connects, runs the handshake with run_client()
// (exercise 1.4), prints the exchange. Exit status 0 on success, 1 on failure (the ERROR line is
// printed on stderr), 2 for bad arguments.
#include <cstdio>
#include <system_error>

#include <fmt/format.h>

#include "ch01/blocking_client.hpp"
#include "hs/cli.hpp"
#include "hs/exercise.hpp"
#include "hs/net.hpp"

namespace {

// Prints each line of `bytes` with an arrow: "-> HELLO 41" or "<- HELLO 42".
void print_lines(hs::ch01::Direction direction, std::string_view bytes) {
  const char* arrow = direction == hs::ch01::Direction::sent ? "->" : "<-";
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    const auto line = bytes.substr(0, nl);
    fmt::print("{} {}{}\n", arrow, hs::printable(line, 80), nl == std::string_view::npos ? " (no newline yet)" : "");
    bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7878;
  int think_ms = 0;
  hs::ch01::ClientOptions options;
  hs::Cli cli{"hs-client", "the blocking HELLO client: one handshake, printed (chapter 01)"};
  cli.add("--host", host, "HOST", "server address or name");
  cli.add("--port", port, "N", "server port");
  cli.add("--seq", options.x, "X", "the number to open with (HELLO X)");
  cli.add("--think-ms", think_ms, "N", "pause between the server's reply and HELLO Z, in ms");
  cli.add("--read-timeout", options.read_timeout, "DURATION", "time allowed for each reply");
  cli.add("--handshake-timeout", options.handshake_timeout, "DURATION", "time allowed for the whole handshake");
  cli.parse(argc, argv);
  if (think_ms < 0) cli.fail("--think-ms must be 0 or more");
  options.think = std::chrono::milliseconds{think_ms};

  hs::Fd socket;
  try {
    socket = hs::connect_tcp(host, port, options.read_timeout);
  } catch (const std::system_error& e) {
    fmt::print(stderr, "hs-client: {}\n", e.what());
    if (e.code() == std::errc::connection_refused) fmt::print(stderr, "Is a server running on that port?\n");
    return 1;
  }
  fmt::print("connected to {}\n", hs::peer_endpoint(socket.get()).to_string());

  hs::ch01::ClientResult result;
  try {
    result = hs::ch01::run_client(socket.get(), options, print_lines);
  } catch (const hs::ExerciseNotDone& e) {
    fmt::print(stderr, "hs-client: {}\n", e.what());
    return 1;
  }
  if (result.status == hs::Status::done) {
    fmt::print("done: the server closed the connection after HELLO Z\n");
    return 0;
  }
  if (result.io_error) fmt::print(stderr, "hs-client: connection broke: {}\n", result.io_error.message());
  if (result.error) {
    fmt::print(stderr, "{}", hs::error_line(*result.error));
    fmt::print(stderr, "({})\n", result.error->from_peer ? "sent by the server" : "detected by this client");
  }
  return 1;
}
