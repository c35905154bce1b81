/// @file
/// Where the bytes go, measured: what the chapters' heap tools (`hs-ch03-heap`, `hs-ch06-heap`)
/// share. A tool runs its chapter's server in its own process, on a thread that it marks with
/// count_allocations_here(); hold() then holds N clients in the middle of their handshakes
/// (HELLO Y received, HELLO Z not sent) and reports the heap in use per held connection and the
/// allocations the server's thread made for each.
///
/// Linking hs::heap_probe replaces the program's global operator new and delete (to count): only
/// these tools link it.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

namespace hs::heap_probe {

/// Reads the tools' one option, `--clients N` (connections to hold: 1 to 9000, as `ulimit -n`
/// counts both ends; 2000 by default), as hs::Cli does: usage and exit 0 on `--help`, exit 2 on a
/// usage error. `program` and `summary` name the tool in its usage.
int clients_option(int argc, char** argv, std::string program, std::string summary);

/// From now on, every operator new on the calling thread is counted (call it on the server's).
void count_allocations_here() noexcept;

/// What hold() measured.
struct Held {
  int clients = 0;         ///< connections held mid-handshake (the warm-up one not counted)
  double heap_bytes = 0;   ///< heap in use per held connection (malloc's view: mallinfo2)
  double allocations = 0;  ///< operator new calls on the counted thread per connection, accept to held
  bool all_held = false;   ///< every client got HELLO Y, and the server counted them all open
};

/// Connects `clients` + 1 clients to 127.0.0.1:`port` one after another, each sending HELLO X and
/// reading HELLO Y, then waits (up to a minute) until `open()` (the server's count of sessions
/// open) says all of them are held. The first connection pays for one-time set-up and is not
/// counted. The connections stay open until `release()` is called with them held: it is where the
/// caller stops its server. Returns what was measured while they were held.
Held hold(std::uint16_t port, int clients, const std::function<std::uint64_t()>& open,
          const std::function<void()>& release);

/// Prints `held` as every heap tool does; `program` names the tool in an error. Returns the exit
/// status: 0, or 1 (with a message on stderr) if the server failed (`failed`: what its thread
/// threw) or not every connection was held.
int report(std::string_view program, const Held& held, std::uint64_t open_peak, const std::exception_ptr& failed);

}  // namespace hs::heap_probe
