// hs-ch00-demo: the chapter 00 state machines talking to each other in memory, no sockets.
// It prints a valid handshake, the same one cut into awkward pieces, and a few refused inputs,
// exactly as a server built on these machines would answer them. Built twice: hs-ch00-demo runs
// your exercises, hs-ch00-demo-ref the reference solutions.
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ch00/client_handshake.hpp"
#include "ch00/server_handshake.hpp"
#include "hs/cli.hpp"
#include "hs/exercise.hpp"

namespace {

using hs::ch00::ClientHandshake;
using hs::ch00::ServerHandshake;

std::string_view status_word(hs::Status s) {
  return s == hs::Status::done ? "done" : s == hs::Status::failed ? "failed" : "in progress";
}

void show(std::string_view arrow, std::string_view bytes) {
  if (!bytes.empty()) fmt::print("    {}  \"{}\"\n", arrow, hs::printable(bytes, 70));
}

// A client and a server machine wired back to back; `chunk` cuts every transfer into pieces that
// size, as a slow network might.
void converse(std::int64_t x, std::size_t chunk) {
  ClientHandshake client{x};
  ServerHandshake server;
  hs::Step from_client = client.start();
  hs::Step from_server;
  while (true) {
    std::string_view pending = from_client.out;
    std::string pieces;
    while (!pending.empty() && from_server.status == hs::Status::in_progress) {
      const auto piece = pending.substr(0, chunk);
      pending.remove_prefix(piece.size());
      pieces += fmt::format("{}\"{}\"", pieces.empty() ? "" : " ", hs::printable(piece));
      hs::Step step = server.on_bytes(piece);
      from_server.out += step.out;
      from_server.status = step.status;
    }
    if (!pieces.empty()) fmt::print("    client -> server  {}\n", pieces);
    if (from_server.status != hs::Status::in_progress) {
      show("server -> client", from_server.out);
      fmt::print("    server: {}, closes the connection\n", status_word(from_server.status));
      from_client = from_server.out.empty() ? client.on_eof() : client.on_bytes(from_server.out);
      if (from_client.status == hs::Status::in_progress) from_client = client.on_eof();
      fmt::print("    client: {}\n", status_word(from_client.status));
      return;
    }
    show("server -> client", from_server.out);
    from_client = client.on_bytes(std::exchange(from_server.out, {}));
    if (from_client.status == hs::Status::failed) {
      fmt::print("    client: failed ({})\n", hs::reason_name(from_client.error->reason));
      return;
    }
  }
}

void refuse(std::string_view title, const std::vector<std::string>& reads, bool then_timeout = false) {
  ServerHandshake server;
  fmt::print("  {}\n", title);
  for (const auto& bytes : reads) {
    show("client -> server", bytes);
    show("server -> client", server.on_bytes(bytes).out);
  }
  if (then_timeout) {
    fmt::print("    (the read timeout passes)\n");
    show("server -> client", server.on_timeout(hs::Timeout::read).out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t x = 41;
  hs::Cli cli{"hs-ch00-demo", "the chapter 00 handshake machines, talking in memory"};
  cli.add("--seq", x, "X", "the number the client opens with");
  cli.parse(argc, argv);

  try {
    fmt::print("A handshake, each message in one piece:\n");
    converse(x, 64);
    fmt::print("\nThe same handshake, delivered 3 bytes at a time (TCP may do this):\n");
    converse(x, 3);
    fmt::print("\nInputs the server refuses (one ERROR line, then it closes):\n");
    refuse("lower case", {"hello 1\n"});
    refuse("X + 2 would overflow", {"HELLO 9223372036854775807\n"});
    refuse("wrong Z, pipelined with X", {"HELLO 1\nHELLO 4\n"});
    refuse("a line over 64 bytes", {std::string(70, 'A')});
    refuse("NUL byte", {std::string{"HELLO \0\n", 8}});
    refuse("a client that goes quiet", {"HELLO 1\n"}, true);
  } catch (const hs::ExerciseNotDone& e) {
    fmt::print(stderr, "\n{}\n", e.what());
    return 1;
  }
  return 0;
}
