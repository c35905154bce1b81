// Planning a load run and checking it against loopback and this machine's limits (see
// hs/load/options.hpp).
#include "given/ch05/options.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include <fmt/format.h>

namespace hs::load {
namespace {

// Worker `index`'s part of `whole` split among `parts`: the first (whole % parts) get one more.
std::int64_t share(std::int64_t whole, int parts, int index) { return whole / parts + (index < whole % parts ? 1 : 0); }

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::optional<asio::ip::address_v4> loopback_v4(std::string_view text) {
  std::error_code ec;
  const auto address = asio::ip::make_address_v4(std::string{text}, ec);
  if (ec || !address.is_loopback()) return std::nullopt;
  return address;
}

}  // namespace

WorkerPlan plan_for_worker(const LoadOptions& options, int index) {
  WorkerPlan plan;
  plan.server = options.server;
  plan.conns = std::max<std::int64_t>(1, share(options.conns, options.procs, index));
  plan.total = options.total == 0 ? 0 : std::max<std::int64_t>(1, share(options.total, options.procs, index));
  plan.duration = options.duration;
  plan.think = options.think;
  plan.timeout = options.timeout;
  plan.ramp = std::max<std::int64_t>(1, share(options.ramp, options.procs, index));
  plan.max_opening = std::max<std::int64_t>(1, share(options.max_opening, options.procs, index));
  plan.first_x = 1 + index;
  plan.x_step = options.procs;
  plan.sources = options.sources;
  plan.first_source = options.sources.empty() ? 0 : static_cast<std::size_t>(index) % options.sources.size();
  return plan;
}

std::optional<asio::ip::address> loopback_address(std::string_view host) {
  if (host == "localhost") return asio::ip::make_address("127.0.0.1");
  std::error_code ec;
  const auto address = asio::ip::make_address(std::string{host}, ec);
  if (ec || !address.is_loopback()) return std::nullopt;
  return address;
}

std::optional<std::vector<asio::ip::address_v4>> parse_source_ips(std::string_view text) {
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    const auto a = loopback_v4(text.substr(0, dash));
    const auto b = loopback_v4(text.substr(dash + 1));
    if (!a || !b || a->to_uint() > b->to_uint()) return std::nullopt;
    first = a->to_uint();
    last = b->to_uint();
  } else if (const auto one = loopback_v4(text)) {
    first = last = one->to_uint();
  } else {
    unsigned count = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (ec != std::errc{} || ptr != text.data() + text.size() || count == 0) return std::nullopt;
    first = asio::ip::make_address_v4("127.0.0.1").to_uint();
    last = first + count - 1;
  }
  if (last - first >= 255) return std::nullopt;  // also keeps a count within 127.0.0.0/8
  std::vector<asio::ip::address_v4> addresses;
  for (auto a = first; a <= last; ++a) addresses.emplace_back(a);
  return addresses;
}

std::optional<std::string> check_limits(const LoadOptions& options, std::uint64_t fd_limit,
                                        std::uint64_t ephemeral_ports) {
  if (options.procs < 1 || options.procs > 64) return "--procs must be 1 to 64";
  if (options.conns < options.procs) return fmt::format("--conns must be at least --procs ({})", options.procs);
  if (options.total < 0 || (options.total > 0 && options.total < options.procs)) {
    return fmt::format("--total must be at least --procs ({})", options.procs);
  }
  if (options.total == 0 && options.duration.count() == 0) return "give --total or --duration";
  if (options.ramp < 1 || options.max_opening < 1) return "--ramp and --max-opening must be 1 or more";
  if (options.timeout.count() <= 0) return "--timeout must be more than 0";
  if (!options.sources.empty() && !options.server.address().is_v4()) {
    return "--src-ips are IPv4 addresses: use an IPv4 --host (127.0.0.1)";
  }
  // Each connection is one file descriptor; keep a reserve for the process's own (epoll, pipes, ...).
  constexpr std::uint64_t reserve = 100;
  const auto per_process = static_cast<std::uint64_t>(ceil_div(options.conns, options.procs));
  const auto usable = fd_limit > reserve ? fd_limit - reserve : 1;
  if (per_process > usable) {
    return fmt::format(
        "--conns {} in {} process(es) means {} connections in one process, but one process may open only {} "
        "files here (ulimit -n, less {} for its own use): add --procs {}",
        options.conns, options.procs, per_process, fd_limit, reserve,
        ceil_div(options.conns, static_cast<std::int64_t>(usable)));
  }
  // Each connection needs its own local port; the kernel has `ephemeral_ports` per source address.
  const auto sources = std::max<std::uint64_t>(1, options.sources.size());
  if (static_cast<std::uint64_t>(options.conns) > ephemeral_ports * sources) {
    return fmt::format(
        "--conns {} needs more local ports than {} source address(es) have ({} each, "
        "net.ipv4.ip_local_port_range): add --src-ips {}",
        options.conns, sources, ephemeral_ports, ceil_div(options.conns, static_cast<std::int64_t>(ephemeral_ports)));
  }
  return std::nullopt;
}

std::uint64_t raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

std::uint64_t ephemeral_port_count() {
  std::ifstream range{"/proc/sys/net/ipv4/ip_local_port_range"};
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  if (range >> low >> high && high >= low) return high - low + 1;
  return 28'232;  // the Linux default, 32768-60999
}

}  // namespace hs::load
