// libFuzzer entry for chapter 00 (reference code): scripts/check runs it for a bounded time with
// clang, ASan and UBSan. The first bytes choose the client's X and how to cut the input; the rest is
// the input. Invariants: fuzz_oracle.hpp.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fuzz_oracle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 12) return 0;
  std::int64_t x = 0;
  std::memcpy(&x, data, sizeof x);
  const std::string_view cuts{reinterpret_cast<const char*>(data) + 8, 4};
  const std::string_view input{reinterpret_cast<const char*>(data) + 12, size - 12};
  for (const auto& problem :
       {hs::ch00::fuzz::check_server(input, cuts), hs::ch00::fuzz::check_client(x, input, cuts)}) {
    if (!problem.empty()) {
      std::fprintf(stderr, "invariant broken on \"%s\": %s\n", hs::printable(input, 200).c_str(), problem.c_str());
      std::abort();
    }
  }
  return 0;
}
