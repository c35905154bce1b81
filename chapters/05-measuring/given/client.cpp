// The load's coroutines (see hs/load/client.hpp): a launcher that ramps connections up, and one
// coroutine per handshake that feeds chapter 00's client state machine from a socket, raced
// against the handshake's timeout. Every wait returns an error code: no exceptions on this path.
#include "given/ch05/client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "ch00/client_handshake.hpp"

namespace hs::load {
namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

// Await with this token and an operation returns a tuple (error_code, ...) instead of throwing.
constexpr auto no_throw = asio::experimental::as_tuple(asio::use_awaitable);

// What one worker shares among its handshakes.
struct WorkerState {
  WorkerPlan plan;
  LiveCounters& live;
  Tally tally;
  std::int64_t in_flight = 0;  // started and not ended
  std::int64_t opening = 0;    // started and not yet answered by the server (nor ended)
};

// A handshake's place in the worker: keeps the shared state alive, and counts the handshake in
// flight until it ends and "opening" until the server first answers (the ramp reads both).
class Ticket {
 public:
  explicit Ticket(std::shared_ptr<WorkerState> state) : state_{std::move(state)} {
    ++state_->in_flight;
    ++state_->opening;
  }
  Ticket(Ticket&&) noexcept = default;
  Ticket& operator=(Ticket&&) = delete;
  ~Ticket() {
    if (!state_) return;  // moved from
    answered();
    --state_->in_flight;
  }
  void answered() noexcept {
    if (std::exchange(opening_, false)) --state_->opening;
  }
  WorkerState& state() const noexcept { return *state_; }

 private:
  std::shared_ptr<WorkerState> state_;
  bool opening_ = true;
};

// How the exchange on one connection went, and how long we paused on purpose (--think-ms).
struct Exchanged {
  Outcome outcome;
  Clock::duration think{};
};

std::error_code open_socket(tcp::socket& socket, const tcp::endpoint& server,
                            const std::optional<asio::ip::address_v4>& source) {
  std::error_code ec;
  socket.open(server.protocol(), ec);
  if (ec || !source) return ec;
  // Let connect() choose the local port knowing the destination. Without this, bind() reserves a
  // port for this source address against every destination, and the ports run out sooner.
  const int yes = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &yes, sizeof yes);
  socket.bind({*source, 0}, ec);
  return ec;
}

// Reads until `machine` has something to say: bytes to send, done, or failed. Returns its step,
// or the error that broke the connection. Each read brings at least one byte and the machine
// refuses a line longer than max_line_bytes, so the loop ends within max_line_bytes + 1 reads.
asio::awaitable<std::pair<Step, std::error_code>> read_step(tcp::socket& socket, ch00::ClientHandshake& machine) {
  std::array<char, max_line_bytes> buffer{};
  for (std::size_t reads = 0; reads <= max_line_bytes; ++reads) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), no_throw);
    if (ec == asio::error::eof) co_return std::pair{machine.on_eof(), std::error_code{}};
    if (ec) co_return std::pair{Step{}, ec};
    Step step = machine.on_bytes({buffer.data(), n});
    if (step.status != Status::in_progress || !step.out.empty())
      co_return std::pair{std::move(step), std::error_code{}};
  }
  co_return std::pair{Step{{}, Status::failed, ProtocolError{ErrorReason::too_long, "no end of line"}},
                      std::error_code{}};
}

// One connection, start to end: connect, HELLO X, HELLO Y back, think, HELLO Z, the server closes.
// A failure returns at once with its outcome. When the timeout wins the race in handshake(), the
// pending wait here ends with operation_aborted, and that outcome is thrown away.
asio::awaitable<Exchanged> exchange(Ticket& ticket, std::int64_t x, std::optional<asio::ip::address_v4> source) {
  WorkerState& state = ticket.state();
  tcp::socket socket{co_await asio::this_coro::executor};
  if (const auto ec = open_socket(socket, state.plan.server, source)) co_return Exchanged{outcome_of_connect_error(ec)};
  auto [connect_error] = co_await socket.async_connect(state.plan.server, no_throw);
  if (connect_error) co_return Exchanged{outcome_of_connect_error(connect_error)};
  const OpenConnection counted{state.live};

  ch00::ClientHandshake machine{x};
  const std::string hello_x = machine.start().out;
  auto [x_error, x_sent] = co_await asio::async_write(socket, asio::buffer(hello_x), no_throw);
  if (x_error) co_return Exchanged{outcome_of_io_error(x_error)};
  auto [reply, reply_error] = co_await read_step(socket, machine);
  ticket.answered();
  if (reply_error) co_return Exchanged{outcome_of_io_error(reply_error)};
  if (reply.status == Status::failed) co_return Exchanged{outcome_of_protocol_error(*reply.error)};

  const auto think_start = Clock::now();
  if (state.plan.think.count() > 0) {
    asio::steady_timer pause{socket.get_executor(), state.plan.think};
    auto [pause_error] = co_await pause.async_wait(no_throw);
    if (pause_error) co_return Exchanged{outcome_of_io_error(pause_error)};
  }
  const auto think = Clock::now() - think_start;

  auto [z_error, z_sent] = co_await asio::async_write(socket, asio::buffer(reply.out), no_throw);
  if (z_error) co_return Exchanged{outcome_of_io_error(z_error), think};
  auto [last, last_error] = co_await read_step(socket, machine);
  if (last_error) co_return Exchanged{outcome_of_io_error(last_error), think};
  if (last.status == Status::done) co_return Exchanged{{Result::ok, {}, {}}, think};
  co_return Exchanged{outcome_of_protocol_error(*last.error), think};
}

// One handshake, raced against its timeout; counts the outcome and the latency: from the start of
// connect to the server's close, less the think time, so that it measures the server, not us.
asio::awaitable<void> handshake(Ticket ticket, std::int64_t x, std::optional<asio::ip::address_v4> source) {
  WorkerState& state = ticket.state();
  const auto start = Clock::now();
  asio::steady_timer deadline{co_await asio::this_coro::executor, state.plan.timeout};
  auto first = co_await (exchange(ticket, x, source) || deadline.async_wait(no_throw));
  Outcome outcome{Result::timeout, {}, {}};
  std::uint64_t latency_us = 0;
  if (first.index() == 0) {
    auto& exchanged = std::get<0>(first);
    outcome = std::move(exchanged.outcome);
    const auto latency = Clock::now() - start - exchanged.think;
    latency_us = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(latency).count());
  }
  state.tally.record(outcome, latency_us);
  state.live.finished(outcome.result == Result::ok);
}

std::optional<asio::ip::address_v4> source_for(const WorkerPlan& plan, std::int64_t n) {
  if (plan.sources.empty()) return std::nullopt;
  return plan.sources[(plan.first_source + static_cast<std::size_t>(n)) % plan.sources.size()];
}

void rethrow_failure(std::exception_ptr failure) {
  if (failure) std::rethrow_exception(failure);  // a bug, not a handshake's outcome: stop the run
}

}  // namespace

asio::awaitable<Tally> run_worker(WorkerPlan plan, LiveCounters& live) {
  const auto state = std::make_shared<WorkerState>(WorkerState{std::move(plan), live, {}});
  const WorkerPlan& p = state->plan;
  const auto executor = co_await asio::this_coro::executor;
  const auto start = Clock::now();
  std::int64_t started = 0;
  const auto more_to_start = [&] {
    return (p.total == 0 || started < p.total) && (p.duration.count() == 0 || Clock::now() - start < p.duration);
  };
  // The ramp is a token bucket: p.ramp connects per millisecond. A tick that comes late (the loop
  // was busy) may start what the time since the last one allows, but never more than burst_ms worth.
  constexpr double burst_ms = 10;
  double tokens = static_cast<double>(p.ramp);
  auto last_tick = start;
  asio::steady_timer tick{executor};
  // Bounded: by p.total, or by p.duration (then the loop stops within a tick of it).
  while (more_to_start()) {
    const auto now = Clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - last_tick).count();
    tokens = std::min(tokens + ms * static_cast<double>(p.ramp), burst_ms * static_cast<double>(p.ramp));
    last_tick = now;
    const auto left = p.total == 0 ? std::numeric_limits<std::int64_t>::max() : p.total - started;
    const auto room =
        std::min({static_cast<std::int64_t>(tokens), p.conns - state->in_flight, p.max_opening - state->opening, left});
    for (std::int64_t i = 0; i < room; ++i, ++started) {
      asio::co_spawn(executor, handshake(Ticket{state}, p.first_x + started * p.x_step, source_for(p, started)),
                     rethrow_failure);
    }
    tokens -= static_cast<double>(std::max<std::int64_t>(room, 0));
    tick.expires_after(std::chrono::milliseconds{1});
    co_await tick.async_wait(no_throw);
  }
  // Bounded too: every handshake ends within its timeout.
  while (state->in_flight > 0) {
    tick.expires_after(std::chrono::milliseconds{1});
    co_await tick.async_wait(no_throw);
  }
  co_return std::move(state->tally);
}

}  // namespace hs::load
